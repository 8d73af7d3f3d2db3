package io.pinstream.search;

import io.pinstream.testing.ApiClient;
import io.pinstream.testing.TestApp;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Search: English and Chinese words, typos, ranking, paging, deletes, bad queries")
class SearchTest {
  @RegisterExtension
  static TestApp app = new TestApp();

  private static String media;
  private static String pinner;
  private static String board;

  @BeforeAll
  static void pinnerWithABoard() {
    pinner = api().signUpAndLogIn("searcher");
    media = api().uploadPhoto(pinner);
    board = api().createBoard(pinner, "Things I like");
  }

  private static ApiClient api() {
    return app.api();
  }

  private static String pin(String boardId, String title, String description) {
    JsonObject body = new JsonObject().put("board_id", boardId).put("media_id", media).put("title", title);
    if (description != null) {
      body.put("description", description);
    }
    ApiClient.Reply created = api().post("/api/v1/pins", body, pinner);
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    return created.json().getString("id");
  }

  private static ApiClient.Reply search(String q) {
    return api().get("/api/v1/search/pins?q=" + URLEncoder.encode(q, StandardCharsets.UTF_8));
  }

  private static List<String> ids(String q) {
    ApiClient.Reply reply = search(q);
    assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
    List<String> ids = new ArrayList<>();
    reply.items().forEach(item -> ids.add(((JsonObject) item).getString("id")));
    return ids;
  }

  @Test
  @DisplayName("English words are found in the title, the description and the board's name, in any form")
  void english() {
    String inTitle = pin(board, "Emerald velvet armchairs for a small flat", null);
    String inDescription = pin(board, "Living room", "An emerald velvet armchair by the window");
    String otherBoard = api().createBoard(pinner, "Emerald corner");
    String inBoardName = pin(otherBoard, "A reading nook", null);
    String unrelated = pin(board, "Velvet curtains", "Deep red");

    assertThat(ids("emerald armchair")).containsExactlyInAnyOrder(inTitle, inDescription);
    assertThat(ids("EMERALD")).containsExactlyInAnyOrder(inTitle, inDescription, inBoardName);
    assertThat(ids("emerald -window")).containsExactlyInAnyOrder(inTitle, inBoardName);
    assertThat(ids("velvet")).contains(unrelated).doesNotContain(inBoardName);

    ApiClient.Reply reply = search("emerald armchair");
    assertThat(reply.header("Content-Type")).startsWith("application/json");
    assertThat(reply.json().getString("bookmark")).isNull();
    JsonObject first = reply.items().getJsonObject(0);
    assertThat(first.getString("id")).as("a title match ranks above a description match").isEqualTo(inTitle);
    assertThat(first.getJsonObject("owner").getString("username")).isEqualTo("searcher");
    assertThat(first.getJsonObject("media").getJsonObject("images").fieldNames()).contains("236x");
    assertThat(first.fieldNames()).contains("save_count", "board_id", "created_at", "title", "description", "link");
  }

  @Test
  @DisplayName("a word inside a Chinese title is found, and characters that are not together in it are not")
  void chinese() {
    String dress = pin(board, "复古碎花连衣裙夏季新款", "法式 vintage");
    String sofa = pin(board, "北欧风布艺沙发", null);

    assertThat(ids("连衣裙")).containsExactly(dress);
    assertThat(ids("碎花")).containsExactly(dress);
    assertThat(ids("裙")).containsExactly(dress);
    assertThat(ids("复古 夏季")).containsExactly(dress);
    assertThat(ids("法式")).as("in the description").containsExactly(dress);
    assertThat(ids("沙发")).containsExactly(sofa);
    assertThat(ids("连裙")).as("not next to each other in the title").isEmpty();
    assertThat(ids("vintage 连衣裙")).containsExactly(dress);
    assertThat(ids("沙发 vintage")).isEmpty();
  }

  @Test
  @DisplayName("a misspelt word finds the pin when the words as typed find too little, after the exact matches")
  void typos() {
    String sweater = pin(board, "Chunky cable knit sweaterdress", null);
    String quokka = pin(board, "Handmade quokkaplush toy", null);
    String jumper = pin(board, "Oversized mohair jumperz", null);
    String gnome = pin(board, "Garden gnome", null);

    assertThat(ids("sweterdress")).containsExactly(sweater);
    assertThat(ids("quokaplush")).containsExactly(quokka);
    assertThat(ids("jumprez")).as("two letters swapped").containsExactly(jumper);
    assertThat(ids("gnmoe")).as("two letters swapped in a short word: few trigrams in common").containsExactly(gnome);
    assertThat(ids("handmade quokaplush")).contains(quokka);
    assertThat(ids("zzqqxxjjvv")).isEmpty();
  }

  @Test
  @DisplayName("among pins with the same words, more saves rank first, then the newer")
  void ranking() {
    String older = pin(board, "Terracotta planter", null);
    String saved = pin(board, "Terracotta planter", null);
    String newer = pin(board, "Terracotta planter", null);
    for (int i = 0; i < 3; i++) {
      String fan = api().signUpAndLogIn("planter_fan" + i);
      String fanBoard = api().createBoard(fan, "Saved " + i);
      ApiClient.Reply s = api().post("/api/v1/pins/" + saved + "/save", new JsonObject().put("board_id", fanBoard), fan);
      assertThat(s.status()).as(s.toString()).isEqualTo(201);
    }
    List<String> found = ids("terracotta planter").stream().filter(List.of(older, saved, newer)::contains).toList();
    assertThat(found).containsExactly(saved, newer, older);
  }

  @Test
  @DisplayName("pages follow bookmarks to the end without a repeat or a gap, even while scores move and pins arrive")
  void paging() {
    List<String> all = new ArrayList<>();
    for (int i = 0; i < 23; i++) {
      all.add(pin(board, "Rattan pendant lamp no " + i, null));
    }
    List<String> seen = new ArrayList<>();
    String bookmark = null;
    int pages = 0;
    do {
      ApiClient.Reply page = api().get("/api/v1/search/pins?q=rattan&page_size=5"
          + (bookmark == null ? "" : "&bookmark=" + bookmark));
      assertThat(page.status()).as(page.toString()).isEqualTo(200);
      page.items().forEach(item -> seen.add(((JsonObject) item).getString("id")));
      bookmark = page.json().getString("bookmark");
      if (pages++ == 1) {
        // Meanwhile a pin not shown yet gains a save (its score moves above the pages read) and a new one arrives.
        String unseen = all.stream().filter(id -> !seen.contains(id)).reduce((a, b) -> b).orElseThrow();
        String fan = api().signUpAndLogIn("lamp_fan");
        api().post("/api/v1/pins/" + unseen + "/save",
            new JsonObject().put("board_id", api().createBoard(fan, "Lamps")), fan);
        pin(board, "Rattan pendant lamp, the new one", null);
      }
    } while (bookmark != null);
    assertThat(pages).isEqualTo(5);
    assertThat(new HashSet<>(seen)).hasSameSizeAs(seen);
    assertThat(seen).containsExactlyInAnyOrderElementsOf(all);

    assertThat(api().get("/api/v1/search/pins?q=rattan&bookmark=bm90LWEtYm9va21hcms").status()).isEqualTo(400);
    assertThat(api().get("/api/v1/search/pins?q=rattan&page_size=0").status()).isEqualTo(422);
  }

  @Test
  @DisplayName("a deleted pin is gone from the next search at once, also from a page of an earlier ranking")
  void deleted() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      ids.add(pin(board, "Marble side table " + i, null));
    }
    ApiClient.Reply first = api().get("/api/v1/search/pins?q=marble&page_size=2");
    String bookmark = first.json().getString("bookmark");
    assertThat(bookmark).isNotNull();
    String onFirstPage = first.items().getJsonObject(0).getString("id");
    List<String> secondPage = new ArrayList<>();
    api().get("/api/v1/search/pins?q=marble&page_size=2&bookmark=" + bookmark).items()
        .forEach(item -> secondPage.add(((JsonObject) item).getString("id")));
    assertThat(secondPage).hasSize(2);

    assertThat(api().delete("/api/v1/pins/" + onFirstPage, pinner).status()).isEqualTo(204);
    assertThat(api().delete("/api/v1/pins/" + secondPage.get(0), pinner).status()).isEqualTo(204);

    assertThat(ids("marble")).hasSize(2).doesNotContain(onFirstPage, secondPage.get(0));
    List<String> again = new ArrayList<>();
    api().get("/api/v1/search/pins?q=marble&page_size=2&bookmark=" + bookmark).items()
        .forEach(item -> again.add(((JsonObject) item).getString("id")));
    assertThat(again).containsExactly(secondPage.get(1));
  }

  @Test
  @DisplayName("renaming a board re-indexes its pins in the same transaction")
  void boardRenamed() throws Exception {
    String renamed = api().createBoard(pinner, "Plain name");
    String pinId = pin(renamed, "Something", null);
    assertThat(ids("gingham")).isEmpty();
    try (var db = app.jdbc(); var update = db.prepareStatement("UPDATE boards SET name = 'Gingham picnic' WHERE id = ?")) {
      update.setLong(1, Long.parseLong(renamed));
      assertThat(update.executeUpdate()).isEqualTo(1);
    }
    assertThat(ids("gingham")).containsExactly(pinId);
  }

  @Test
  @DisplayName("the type-ahead finds pins by an unfinished last word")
  void suggest() {
    String lamp = pin(board, "Brass floor lamp", null);
    String lantern = pin(board, "Brass lantern", null);
    ApiClient.Reply reply = api().get("/api/v1/search/suggest?q=bras");
    assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
    List<String> found = new ArrayList<>();
    reply.items().forEach(item -> found.add(((JsonObject) item).getString("id")));
    assertThat(found).contains(lamp, lantern);
    assertThat(reply.json().getString("bookmark")).isNull();

    found.clear();
    api().get("/api/v1/search/suggest?q=brass%20lan&limit=3").items()
        .forEach(item -> found.add(((JsonObject) item).getString("id")));
    assertThat(found).containsExactly(lantern);
    assertThat(api().get("/api/v1/search/suggest?q=brass&limit=21").status()).isEqualTo(422);
  }

  @Test
  @DisplayName("a missing, blank or too long q is a 400 problem")
  void badQueries() {
    for (String path : List.of("/api/v1/search/pins", "/api/v1/search/pins?q=", "/api/v1/search/pins?q=%20%20",
        "/api/v1/search/pins?q=" + "a".repeat(201), "/api/v1/search/suggest?q=")) {
      ApiClient.Reply reply = api().get(path);
      assertThat(reply.status()).as(path).isEqualTo(400);
      assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
      assertThat(reply.json().getString("code")).isEqualTo("invalid_query");
    }
    assertThat(search("a".repeat(200)).status()).isEqualTo(200);
    assertThat(ids("!!! ???")).isEmpty();
    assertThat(ids("the")).as("a stop word alone finds nothing, and is no error").isEmpty();
    assertThat(search("'\"&|!:*()<->\\").status()).isEqualTo(200);
  }
}
