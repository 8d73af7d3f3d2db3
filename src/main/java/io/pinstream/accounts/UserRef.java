package io.pinstream.accounts;

import io.pinstream.common.Ids;
import io.vertx.core.json.JsonObject;

/** Who someone is, in the short form other objects embed ({@code owner: {id, username}}); also the caller. */
public record UserRef(long id, String username) {
  public JsonObject toJson() {
    return new JsonObject().put("id", Ids.format(id)).put("username", username);
  }
}
