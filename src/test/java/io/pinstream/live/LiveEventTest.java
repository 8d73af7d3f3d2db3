package io.pinstream.live;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("A live event on the wire: positions, header and pin, and its messages per topic")
class LiveEventTest {
  @Test
  @DisplayName("an event round-trips with its three positions, and each topic's message carries its own")
  void roundTrip() {
    LiveEvent sent = new LiveEvent(42, 7, "maker", 9, "{\"id\":\"42\"}",
        new LiveEvent.Position("b1", 5), new LiveEvent.Position("u1", 17), new LiveEvent.Position("a1", 300));
    LiveEvent got = LiveEvent.decode(sent.encode());
    assertThat(got).isEqualTo(sent);
    JsonObject onBoard = new JsonObject(got.message("board:9", got.positionFor(Topic.Kind.BOARD)));
    assertThat(onBoard.getString("epoch")).isEqualTo("b1");
    assertThat(onBoard.getLong("offset")).isEqualTo(5);
    assertThat(onBoard.getJsonObject("pin").getString("id")).isEqualTo("42");
    assertThat(new JsonObject(got.message("home", got.positionFor(Topic.Kind.HOME))).getLong("offset")).isEqualTo(300);
    assertThat(new JsonObject(got.message("trending", got.positionFor(Topic.Kind.TRENDING))).containsKey("offset")).isFalse();
  }

  @Test
  @DisplayName("a deletion carries its position too; an event from a node without histories decodes without positions")
  void deletionAndLegacy() {
    LiveEvent deleted = new LiveEvent(42, 7, "maker", 9, null, new LiveEvent.Position("b1", 6), null, null);
    JsonObject message = new JsonObject(LiveEvent.decode(deleted.encode()).message("board:9", deleted.onBoard()));
    assertThat(message.getString("type")).isEqualTo("pin_deleted");
    assertThat(message.getString("pin_id")).isEqualTo("42");
    assertThat(message.getLong("offset")).isEqualTo(6);

    LiveEvent legacy = LiveEvent.decode(deleted.encodeBody() + "");
    assertThat(legacy.pinId()).isEqualTo(42);
    assertThat(legacy.deleted()).isTrue();
    assertThat(legacy.onBoard()).isNull();
  }
}
