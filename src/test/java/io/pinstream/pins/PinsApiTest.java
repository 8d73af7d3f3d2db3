package io.pinstream.pins;

import io.pinstream.testing.TestApp;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Pins")
class PinsApiTest {
  @RegisterExtension
  static TestApp app = new TestApp();

  @Test
  @DisplayName("a pin is created with its media images, read back, counted and listed newest first")
  void createAndRead() {
    String token = app.api().signUpAndLogIn("pinner");
    String board = app.api().createBoard(token, "Chairs");
    String media = app.api().uploadPhoto(token);
    var reply = app.api().post("/api/v1/pins", new JsonObject().put("board_id", board).put("media_id", media)
        .put("title", "Oak chair").put("description", "Solid oak, 1960s").put("link", "https://shop.example.com/chair?id=7")
        .put("alt_text", "A wooden chair"), token);
    assertThat(reply.status()).as(reply.body()).isEqualTo(201);
    JsonObject pin = reply.json();
    assertThat(pin.getString("id")).matches("\\d+");
    assertThat(pin.getString("board_id")).isEqualTo(board);
    assertThat(pin.getJsonObject("owner").getString("username")).isEqualTo("pinner");
    assertThat(pin.getString("title")).isEqualTo("Oak chair");
    assertThat(pin.getString("link")).isEqualTo("https://shop.example.com/chair?id=7");
    assertThat(pin.getString("alt_text")).isEqualTo("A wooden chair");
    assertThat(pin.getValue("parent_pin_id")).isNull();
    assertThat(pin.getInteger("save_count")).isZero();
    assertThat(pin.getInteger("click_count")).isZero();
    JsonObject pinMedia = pin.getJsonObject("media");
    assertThat(pinMedia.getString("id")).isEqualTo(media);
    assertThat(pinMedia.getInteger("width")).isEqualTo(640);
    assertThat(pinMedia.getJsonObject("images").getJsonObject("236x").getString("url")).startsWith("/i/");

    assertThat(app.api().get("/api/v1/pins/" + pin.getString("id")).json()).isEqualTo(pin);
    assertThat(app.api().get("/api/v1/boards/" + board).json().getInteger("pin_count")).isEqualTo(1);
    assertThat(app.api().get("/api/v1/users/pinner").json().getInteger("pin_count")).isEqualTo(1);

    JsonObject newer = app.api().createPin(token, board, app.api().uploadPhoto(token), "Second");
    var boardPins = app.api().get("/api/v1/boards/" + board + "/pins");
    assertThat(boardPins.items().getJsonObject(0).getString("id")).isEqualTo(newer.getString("id"));
    assertThat(boardPins.items().getJsonObject(1).getString("id")).isEqualTo(pin.getString("id"));
    assertThat(app.api().get("/api/v1/users/pinner/pins").items()).hasSize(2);
  }

  @Test
  @DisplayName("field limits and bad references are 422 naming the field; another user's board is 403")
  void badPins() {
    String token = app.api().signUpAndLogIn("careless");
    String other = app.api().signUpAndLogIn("bystander");
    String board = app.api().createBoard(token, "Stuff");
    String theirBoard = app.api().createBoard(other, "Theirs");
    String media = app.api().uploadPhoto(token);
    JsonObject base = new JsonObject().put("board_id", board).put("media_id", media);

    assertThat(field(base.copy().put("title", "t".repeat(101)), token)).isEqualTo("title");
    assertThat(field(base.copy().put("description", "d".repeat(801)), token)).isEqualTo("description");
    assertThat(field(base.copy().put("alt_text", "a".repeat(501)), token)).isEqualTo("alt_text");
    assertThat(field(base.copy().put("link", "https://x.example/" + "p".repeat(2040)), token)).isEqualTo("link");
    assertThat(field(base.copy().put("link", "javascript:alert(1)"), token)).isEqualTo("link");
    assertThat(field(base.copy().put("link", "ftp://files.example.com/a"), token)).isEqualTo("link");
    assertThat(field(base.copy().put("link", "not a url"), token)).isEqualTo("link");
    assertThat(field(base.copy().put("media_id", "999999"), token)).isEqualTo("media_id");
    assertThat(field(base.copy().put("media_id", "abc"), token)).isEqualTo("media_id");
    assertThat(field(base.copy().put("title", 5), token)).isEqualTo("title");
    assertThat(field(new JsonObject().put("media_id", media), token)).isEqualTo("board_id");

    var foreign = app.api().post("/api/v1/pins", base.copy().put("board_id", theirBoard), token);
    assertThat(foreign.status()).isEqualTo(403);
    assertThat(foreign.json().getString("code")).isEqualTo("not_board_owner");
    assertThat(app.api().post("/api/v1/pins", base.copy().put("board_id", "999999"), token).status()).isEqualTo(404);
    assertThat(app.api().post("/api/v1/pins", base, null).status()).isEqualTo(401);
    assertThat(app.api().postRaw("/api/v1/pins", "{]", token).status()).isEqualTo(400);
    assertThat(app.api().get("/api/v1/users/careless/pins").items()).isEmpty();
    assertThat(app.api().get("/api/v1/boards/" + theirBoard).json().getInteger("pin_count")).isZero();
  }

  private static String field(JsonObject body, String token) {
    var reply = app.api().post("/api/v1/pins", body, token);
    assertThat(reply.status()).as(reply.body()).isEqualTo(422);
    return reply.json().getJsonArray("errors").getJsonObject(0).getString("field");
  }

  @Test
  @DisplayName("only the owner deletes a pin; a deleted pin is gone from reads, lists and counts")
  void delete() {
    String owner = app.api().signUpAndLogIn("deleter");
    String stranger = app.api().signUpAndLogIn("stranger");
    String board = app.api().createBoard(owner, "Temporary");
    JsonObject pin = app.api().createPin(owner, board, app.api().uploadPhoto(owner), "Soon gone");
    String path = "/api/v1/pins/" + pin.getString("id");

    var forbidden = app.api().delete(path, stranger);
    assertThat(forbidden.status()).isEqualTo(403);
    assertThat(app.api().get(path).status()).isEqualTo(200);

    assertThat(app.api().delete(path, owner).status()).isEqualTo(204);
    assertThat(app.api().get(path).status()).isEqualTo(404);
    assertThat(app.api().delete(path, owner).status()).isEqualTo(404);
    assertThat(app.api().get("/api/v1/boards/" + board + "/pins").items()).isEmpty();
    assertThat(app.api().get("/api/v1/boards/" + board).json().getInteger("pin_count")).isZero();
    assertThat(app.api().get("/api/v1/users/deleter").json().getInteger("pin_count")).isZero();
  }

  @Test
  @DisplayName("only the owner edits a pin's words and link; feeds, the pin and search show the edit at once; bad fields change nothing")
  void edit() {
    String owner = app.api().signUpAndLogIn("editor");
    String stranger = app.api().signUpAndLogIn("meddler");
    String board = app.api().createBoard(owner, "Edited");
    JsonObject pin = app.api().post("/api/v1/pins", new JsonObject().put("board_id", board)
        .put("media_id", app.api().uploadPhoto(owner)).put("title", "Teapto").put("description", "Blue glaze")
        .put("link", "https://old.example.com/teapot"), owner).json();
    String path = "/api/v1/pins/" + pin.getString("id");
    String feed = "/api/v1/boards/" + board + "/pins";
    assertThat(app.api().get(feed).items().getJsonObject(0).getString("title")).isEqualTo("Teapto"); // now cached

    var forbidden = app.api().patch(path, new JsonObject().put("title", "Mine now"), stranger);
    assertThat(forbidden.status()).isEqualTo(403);
    assertThat(forbidden.json().getString("code")).isEqualTo("not_pin_owner");
    var badLink = app.api().patch(path, new JsonObject().put("title", "Teapot").put("link", "javascript:alert(1)"), owner);
    assertThat(badLink.status()).isEqualTo(422);
    assertThat(badLink.json().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("link");
    assertThat(app.api().patch(path, new JsonObject().put("title", "x".repeat(101)), owner).status()).isEqualTo(422);
    assertThat(app.api().patch(path, new JsonObject().put("board_id", board), owner).status()).isEqualTo(422);
    assertThat(app.api().get(path).json().getString("title")).isEqualTo("Teapto");

    var edited = app.api().patch(path, new JsonObject().put("title", "Teapot").put("description", "")
        .put("link", "https://new.example.com/teapot").put("alt_text", "A blue teapot"), owner);
    assertThat(edited.status()).as(edited.body()).isEqualTo(200);
    assertThat(edited.json().getString("title")).isEqualTo("Teapot");
    assertThat(edited.json().getValue("description")).isNull();
    assertThat(edited.json().getString("link")).isEqualTo("https://new.example.com/teapot");
    assertThat(edited.json().getString("alt_text")).isEqualTo("A blue teapot");
    assertThat(edited.json().getString("board_id")).isEqualTo(board);
    assertThat(app.api().get(path).json().getString("title")).isEqualTo("Teapot");
    assertThat(app.api().get(feed).items().getJsonObject(0).getString("title")).isEqualTo("Teapot");
    // Only the fields sent change; search finds the new words and not the old ones.
    var titleOnly = app.api().patch(path, new JsonObject().put("title", "Teapot, glazed"), owner);
    assertThat(titleOnly.json().getString("link")).isEqualTo("https://new.example.com/teapot");
    assertThat(app.api().get("/api/v1/search/pins?q=glazed").items()).extracting(p -> ((JsonObject) p).getString("id"))
        .containsExactly(pin.getString("id"));
    assertThat(app.api().get("/api/v1/search/pins?q=blue+glaze").items()).isEmpty();

    assertThat(app.api().delete(path, owner).status()).isEqualTo(204);
    assertThat(app.api().patch(path, new JsonObject().put("title", "Back?"), owner).status()).isEqualTo(404);
  }

  @Test
  @DisplayName("a feed shows a pin's new save count at once, though its pins are cached in the process and in Redis")
  void feedCountsFollowSaves() {
    String author = app.api().signUpAndLogIn("cached_author");
    String fan = app.api().signUpAndLogIn("cached_fan");
    String board = app.api().createBoard(author, "Cached");
    String id = app.api().createPin(author, board, app.api().uploadPhoto(author), "Cached lamp").getString("id");
    String feed = "/api/v1/boards/" + board + "/pins";
    assertThat(app.api().get(feed).items().getJsonObject(0).getInteger("save_count")).isZero(); // now cached

    app.api().post("/api/v1/pins/" + id + "/save", new JsonObject().put("board_id", app.api().createBoard(fan, "Mine")), fan);

    JsonObject fromFeed = app.api().get(feed).items().getJsonObject(0);
    assertThat(fromFeed.getString("id")).isEqualTo(id);
    assertThat(fromFeed.getInteger("save_count")).isEqualTo(1);
  }

  @Test
  @DisplayName("saving copies a pin into your own board, points back at it and counts the save")
  void save() {
    String author = app.api().signUpAndLogIn("author");
    String fan = app.api().signUpAndLogIn("saver");
    JsonObject original = app.api().createPin(author, app.api().createBoard(author, "Lamps"), app.api().uploadPhoto(author), "Brass lamp");
    String fanBoard = app.api().createBoard(fan, "Want");

    var saved = app.api().post("/api/v1/pins/" + original.getString("id") + "/save", new JsonObject().put("board_id", fanBoard), fan);
    assertThat(saved.status()).isEqualTo(201);
    assertThat(saved.json().getString("parent_pin_id")).isEqualTo(original.getString("id"));
    assertThat(saved.json().getString("title")).isEqualTo("Brass lamp");
    assertThat(saved.json().getJsonObject("owner").getString("username")).isEqualTo("saver");
    assertThat(saved.json().getJsonObject("media").getString("id")).isEqualTo(original.getJsonObject("media").getString("id"));
    assertThat(app.api().get("/api/v1/pins/" + original.getString("id")).json().getInteger("save_count")).isEqualTo(1);

    String authorsBoard = original.getString("board_id");
    assertThat(app.api().post("/api/v1/pins/" + original.getString("id") + "/save",
        new JsonObject().put("board_id", authorsBoard), fan).status()).isEqualTo(403);
    assertThat(app.api().post("/api/v1/pins/999999/save", new JsonObject().put("board_id", fanBoard), fan).status()).isEqualTo(404);
    assertThat(app.api().post("/api/v1/pins/" + original.getString("id") + "/save", new JsonObject(), fan).status()).isEqualTo(422);
  }

  @Test
  @DisplayName("saving the same pin to the same board again, even concurrently, is one save: 201 once, then 200 with it")
  void saveIsIdempotent() throws Exception {
    String author = app.api().signUpAndLogIn("twice_author");
    String fan = app.api().signUpAndLogIn("twice_saver");
    JsonObject original = app.api().createPin(author, app.api().createBoard(author, "Chairs"),
        app.api().uploadPhoto(author), "Rattan chair");
    String fanBoard = app.api().createBoard(fan, "Seats");
    String path = "/api/v1/pins/" + original.getString("id") + "/save";
    JsonObject body = new JsonObject().put("board_id", fanBoard);
    var pool = java.util.concurrent.Executors.newFixedThreadPool(6);
    try {
      var replies = new java.util.ArrayList<java.util.concurrent.Future<io.pinstream.testing.ApiClient.Reply>>();
      for (int i = 0; i < 6; i++) {
        replies.add(pool.submit(() -> app.api().post(path, body, fan)));
      }
      java.util.Set<String> ids = new java.util.HashSet<>();
      int created = 0;
      for (var reply : replies) {
        var r = reply.get();
        assertThat(r.status()).isIn(200, 201);
        created += r.status() == 201 ? 1 : 0;
        ids.add(r.json().getString("id"));
      }
      assertThat(created).isEqualTo(1);
      assertThat(ids).hasSize(1);
    } finally {
      pool.shutdown();
    }
    assertThat(app.api().post(path, body, fan).status()).isEqualTo(200);
    assertThat(app.api().get("/api/v1/pins/" + original.getString("id")).json().getInteger("save_count")).isEqualTo(1);
    assertThat(app.api().get("/api/v1/boards/" + fanBoard).json().getInteger("pin_count")).isEqualTo(1);
    assertThat(app.api().get("/api/v1/boards/" + fanBoard + "/pins").items()).hasSize(1);
    // Another board is another save.
    String other = app.api().createBoard(fan, "More seats");
    assertThat(app.api().post(path, new JsonObject().put("board_id", other), fan).status()).isEqualTo(201);
  }

  @Test
  @DisplayName("board pins page without repeats or gaps while new pins arrive")
  void pagingWhilePinning() {
    String token = app.api().signUpAndLogIn("prolific");
    String board = app.api().createBoard(token, "Many");
    String media = app.api().uploadPhoto(token);
    for (int i = 0; i < 6; i++) {
      app.api().createPin(token, board, media, "pin " + i);
    }
    Set<String> seen = new HashSet<>();
    var page = app.api().get("/api/v1/boards/" + board + "/pins?page_size=4");
    page.items().forEach(p -> seen.add(((JsonObject) p).getString("id")));
    app.api().createPin(token, board, media, "arrives meanwhile");
    var next = app.api().get("/api/v1/boards/" + board + "/pins?page_size=4&bookmark=" + page.json().getString("bookmark"));
    next.items().forEach(p -> assertThat(seen.add(((JsonObject) p).getString("id"))).isTrue());
    assertThat(seen).hasSize(6);
    assertThat(next.json().getString("bookmark")).isNull();
  }
}
