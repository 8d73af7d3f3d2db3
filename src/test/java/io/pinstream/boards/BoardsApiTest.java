package io.pinstream.boards;

import io.pinstream.testing.TestApp;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Boards")
class BoardsApiTest {
  @RegisterExtension
  static TestApp app = new TestApp();

  @Test
  @DisplayName("a board is created, read back and listed under its owner")
  void createAndRead() {
    String token = app.api().signUpAndLogIn("maker");
    var created = app.api().post("/api/v1/boards", new JsonObject().put("name", "Kitchen ideas").put("description", "Oak & brass"), token);
    assertThat(created.status()).isEqualTo(201);
    JsonObject board = created.json();
    assertThat(board.getString("name")).isEqualTo("Kitchen ideas");
    assertThat(board.getString("description")).isEqualTo("Oak & brass");
    assertThat(board.getJsonObject("owner").getString("username")).isEqualTo("maker");
    assertThat(board.getInteger("pin_count")).isZero();
    assertThat(board.getInteger("follower_count")).isZero();
    assertThat(board.getString("created_at")).isNotBlank();

    assertThat(app.api().get("/api/v1/boards/" + board.getString("id")).json()).isEqualTo(board);
    var list = app.api().get("/api/v1/users/maker/boards");
    assertThat(list.items()).hasSize(1);
    assertThat(list.json().getString("bookmark")).isNull();
  }

  @Test
  @DisplayName("board names are unique per owner (case-insensitive), not across owners")
  void uniqueNames() {
    String a = app.api().signUpAndLogIn("owner_a");
    String b = app.api().signUpAndLogIn("owner_b");
    assertThat(app.api().post("/api/v1/boards", new JsonObject().put("name", "Shoes"), a).status()).isEqualTo(201);
    var dupe = app.api().post("/api/v1/boards", new JsonObject().put("name", "shoes"), a);
    assertThat(dupe.status()).isEqualTo(409);
    assertThat(dupe.json().getString("code")).isEqualTo("board_name_taken");
    assertThat(app.api().post("/api/v1/boards", new JsonObject().put("name", "Shoes"), b).status()).isEqualTo(201);
  }

  @Test
  @DisplayName("bad boards are refused with 422 and the field named")
  void badBoards() {
    String token = app.api().signUpAndLogIn("sloppy");
    assertThat(app.api().post("/api/v1/boards", new JsonObject(), token).status()).isEqualTo(422);
    assertThat(app.api().post("/api/v1/boards", new JsonObject().put("name", "   "), token).status()).isEqualTo(422);
    assertThat(app.api().post("/api/v1/boards", new JsonObject().put("name", "x".repeat(51)), token).status()).isEqualTo(422);
    var typed = app.api().post("/api/v1/boards", new JsonObject().put("name", 42).put("description", true), token);
    assertThat(typed.status()).isEqualTo(422);
    assertThat(typed.json().getJsonArray("errors")).hasSize(2);
    assertThat(app.api().postRaw("/api/v1/boards", "{\"name\":", token).status()).isEqualTo(400);
    assertThat(app.api().get("/api/v1/users/sloppy/boards").items()).isEmpty();
  }

  @Test
  @DisplayName("unknown and malformed board ids are 404")
  void unknownBoards() {
    String token = app.api().signUpAndLogIn("seeker");
    assertThat(app.api().get("/api/v1/boards/999999999").json().getString("code")).isEqualTo("board_not_found");
    assertThat(app.api().get("/api/v1/boards/not-an-id").status()).isEqualTo(404);
    assertThat(app.api().get("/api/v1/boards/99999999999999999999999").status()).isEqualTo(404);
    assertThat(app.api().put("/api/v1/boards/999999999/follow", token).status()).isEqualTo(404);
  }

  @Test
  @DisplayName("following a board is idempotent and counted; your own board cannot be followed")
  void followBoards() {
    String owner = app.api().signUpAndLogIn("curator");
    String fan = app.api().signUpAndLogIn("board_fan");
    String id = app.api().createBoard(owner, "Lamps");
    assertThat(app.api().put("/api/v1/boards/" + id + "/follow", fan).status()).isEqualTo(204);
    assertThat(app.api().put("/api/v1/boards/" + id + "/follow", fan).status()).isEqualTo(204);
    assertThat(app.api().get("/api/v1/boards/" + id).json().getInteger("follower_count")).isEqualTo(1);
    assertThat(app.api().delete("/api/v1/boards/" + id + "/follow", fan).status()).isEqualTo(204);
    assertThat(app.api().delete("/api/v1/boards/" + id + "/follow", fan).status()).isEqualTo(204);
    assertThat(app.api().get("/api/v1/boards/" + id).json().getInteger("follower_count")).isZero();

    var own = app.api().put("/api/v1/boards/" + id + "/follow", owner);
    assertThat(own.status()).isEqualTo(422);
    assertThat(own.json().getString("code")).isEqualTo("cannot_follow_own_board");
    assertThat(app.api().put("/api/v1/boards/" + id + "/follow", null).status()).isEqualTo(401);
  }
}
