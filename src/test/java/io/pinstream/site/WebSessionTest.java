package io.pinstream.site;

import io.pinstream.testing.ApiClient;
import io.pinstream.testing.TestApp;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The browser's session cookie, its CSRF rule, the HTML pages and their caching, over real HTTP: what a
 * browser sends (Cookie, Sec-Fetch-Site, Origin) is sent here by hand.
 */
@DisplayName("Browser sessions (cookie), CSRF and the web app's pages")
class WebSessionTest {
  @RegisterExtension
  static TestApp app = new TestApp(config -> config.getJsonObject("http").put("trust_forwarded_for", true));

  @RegisterExtension
  static TestApp untrusting = new TestApp();

  private static final Map<String, String> OWN_PAGE = Map.of("Sec-Fetch-Site", "same-origin", "Content-Type", "application/json");

  private static String signUp(ApiClient api, String username) {
    ApiClient.Reply created = api.post("/api/v1/accounts", new JsonObject().put("username", username).put("password", "correct horse"), null);
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    return username;
  }

  /** Logs in as a browser page would: asks for the cookie; returns its value. */
  private static String cookieLogIn(ApiClient api, String username, Map<String, String> headers) {
    ApiClient.Reply reply = api.send("POST", "/api/v1/sessions", headers,
        new JsonObject().put("username", username).put("password", "correct horse").put("cookie", true).toBuffer().getBytes());
    assertThat(reply.status()).as(reply.toString()).isEqualTo(201);
    return cookieValue(reply.header("Set-Cookie"));
  }

  private static String cookieValue(String setCookie) {
    assertThat(setCookie).startsWith("pinstream_session=");
    return setCookie.substring("pinstream_session=".length(), setCookie.indexOf(';'));
  }

  private static ApiClient.Reply withCookie(ApiClient api, String method, String path, String cookie, Map<String, String> extra,
                                            JsonObject body) {
    HttpRequest.Builder b = api.request(path, null).header("Cookie", "other=1; pinstream_session=" + cookie)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.encode()));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    extra.forEach(b::header);
    return api.send(b);
  }

  @Test
  @DisplayName("log-in with cookie: true sets an HttpOnly, SameSite=Lax cookie for the session's lifetime, and no token reaches the page")
  void cookieLogIn() {
    ApiClient api = app.api();
    signUp(api, "cookie_anna");
    ApiClient.Reply reply = api.send("POST", "/api/v1/sessions", OWN_PAGE,
        new JsonObject().put("username", "cookie_anna").put("password", "correct horse").put("cookie", true).toBuffer().getBytes());
    assertThat(reply.status()).isEqualTo(201);
    assertThat(reply.json().containsKey("token")).isFalse();
    assertThat(reply.json().getString("token_type")).isEqualTo("cookie");
    assertThat(reply.json().getJsonObject("user").getString("username")).isEqualTo("cookie_anna");
    String setCookie = reply.header("Set-Cookie");
    assertThat(setCookie).containsIgnoringCase("HttpOnly").contains("SameSite=Lax").contains("Path=/")
        .contains("Max-Age=" + app.config().auth().sessionTtlDays() * 86_400L).doesNotContain("Secure");
    String cookie = cookieValue(setCookie);

    ApiClient.Reply me = withCookie(api, "GET", "/api/v1/sessions/current", cookie, Map.of(), null);
    assertThat(me.status()).isEqualTo(200);
    assertThat(me.json().getJsonObject("user").getString("username")).isEqualTo("cookie_anna");
    assertThat(me.json().getString("token_type")).isEqualTo("cookie");
    // A read needs no CSRF proof; the home feed is the signed-in user's.
    assertThat(withCookie(api, "GET", "/api/v1/feeds/home", cookie, Map.of(), null).status()).isEqualTo(200);

    // API clients are unchanged: the token in the body, no cookie.
    ApiClient.Reply bearer = api.post("/api/v1/sessions", new JsonObject().put("username", "cookie_anna").put("password", "correct horse"), null);
    assertThat(bearer.json().getString("token")).startsWith("pst_");
    assertThat(bearer.header("Set-Cookie")).isNull();
    assertThat(api.get("/api/v1/sessions/current", bearer.json().getString("token")).json().getString("token_type")).isEqualTo("Bearer");
  }

  @Test
  @DisplayName("a write signed in by the cookie must come from our own page: cross-site, foreign Origin or no proof is 403; bearer writes need none")
  void csrf() {
    ApiClient api = app.api();
    signUp(api, "csrf_ben");
    String cookie = cookieLogIn(api, "csrf_ben", OWN_PAGE);
    JsonObject board = new JsonObject().put("name", "Lamps");

    ApiClient.Reply noProof = withCookie(api, "POST", "/api/v1/boards", cookie, Map.of(), board);
    assertThat(noProof.status()).isEqualTo(403);
    assertThat(noProof.header("Content-Type")).startsWith("application/problem+json");
    assertThat(noProof.json().getString("code")).isEqualTo("cross_site_request");
    assertThat(withCookie(api, "POST", "/api/v1/boards", cookie, Map.of("Sec-Fetch-Site", "cross-site"), board).status()).isEqualTo(403);
    assertThat(withCookie(api, "POST", "/api/v1/boards", cookie, Map.of("Sec-Fetch-Site", "same-site"), board).status()).isEqualTo(403);
    assertThat(withCookie(api, "POST", "/api/v1/boards", cookie, Map.of("Origin", "https://evil.example"), board).status()).isEqualTo(403);
    assertThat(withCookie(api, "DELETE", "/api/v1/sessions/current", cookie, Map.of("Origin", "https://evil.example"), null).status())
        .isEqualTo(403);
    assertThat(api.get("/api/v1/users/csrf_ben/boards").items()).isEmpty();

    assertThat(withCookie(api, "POST", "/api/v1/boards", cookie, Map.of("Sec-Fetch-Site", "same-origin"), board).status()).isEqualTo(201);
    String ownOrigin = api.base(); // http://127.0.0.1:<port>
    assertThat(withCookie(api, "POST", "/api/v1/boards", cookie, Map.of("Origin", ownOrigin),
        new JsonObject().put("name", "Rugs")).status()).isEqualTo(201);

    // Another site cannot sign a browser into an account either (log-in CSRF).
    ApiClient.Reply foreignLogIn = api.send("POST", "/api/v1/sessions", Map.of("Sec-Fetch-Site", "cross-site", "Content-Type", "application/json"),
        new JsonObject().put("username", "csrf_ben").put("password", "correct horse").put("cookie", true).toBuffer().getBytes());
    assertThat(foreignLogIn.status()).isEqualTo(403);
    assertThat(foreignLogIn.header("Set-Cookie")).isNull();

    String token = api.logIn("csrf_ben", "correct horse");
    assertThat(api.post("/api/v1/boards", new JsonObject().put("name", "Chairs"), token).status()).isEqualTo(201);
  }

  @Test
  @DisplayName("sign-up with cookie: true signs the browser in; log-out revokes the session and clears the cookie")
  void signUpAndLogOut() {
    ApiClient api = app.api();
    ApiClient.Reply created = api.send("POST", "/api/v1/accounts", OWN_PAGE,
        new JsonObject().put("username", "cookie_cleo").put("password", "correct horse").put("cookie", true).toBuffer().getBytes());
    assertThat(created.status()).isEqualTo(201);
    assertThat(created.json().getString("username")).isEqualTo("cookie_cleo");
    String cookie = cookieValue(created.header("Set-Cookie"));
    assertThat(withCookie(api, "GET", "/api/v1/sessions/current", cookie, Map.of(), null).status()).isEqualTo(200);

    ApiClient.Reply out = withCookie(api, "DELETE", "/api/v1/sessions/current", cookie, Map.of("Sec-Fetch-Site", "same-origin"), null);
    assertThat(out.status()).isEqualTo(204);
    assertThat(out.header("Set-Cookie")).startsWith("pinstream_session=;").contains("Max-Age=0");

    // The old cookie is dead everywhere: 401 where a session is needed (and told to go), anonymous elsewhere.
    ApiClient.Reply stale = withCookie(api, "GET", "/api/v1/sessions/current", cookie, Map.of(), null);
    assertThat(stale.status()).isEqualTo(401);
    assertThat(stale.header("Set-Cookie")).contains("Max-Age=0");
    ApiClient.Reply trending = withCookie(api, "GET", "/api/v1/feeds/trending", cookie, Map.of(), null);
    assertThat(trending.status()).isEqualTo(200);
  }

  @Test
  @DisplayName("log out everywhere (by bearer token) revokes the browser's cookie session too")
  void revokedEverywhere() {
    ApiClient api = app.api();
    signUp(api, "cookie_dora");
    String cookie = cookieLogIn(api, "cookie_dora", OWN_PAGE);
    String token = api.logIn("cookie_dora", "correct horse");
    assertThat(api.delete("/api/v1/sessions", token).status()).isEqualTo(204);
    assertThat(withCookie(api, "GET", "/api/v1/sessions/current", cookie, Map.of(), null).status()).isEqualTo(401);
  }

  @Test
  @DisplayName("Secure is set when the request came over HTTPS: X-Forwarded-Proto is believed only when the proxy is trusted")
  void secureBehindTrustedProxy() {
    Map<String, String> viaProxy = Map.of("Sec-Fetch-Site", "same-origin", "Content-Type", "application/json",
        "X-Forwarded-Proto", "https");
    signUp(app.api(), "secure_eve");
    ApiClient.Reply trusted = app.api().send("POST", "/api/v1/sessions", viaProxy,
        new JsonObject().put("username", "secure_eve").put("password", "correct horse").put("cookie", true).toBuffer().getBytes());
    assertThat(trusted.header("Set-Cookie")).contains("Secure");

    signUp(untrusting.api(), "secure_eve");
    ApiClient.Reply spoofed = untrusting.api().send("POST", "/api/v1/sessions", viaProxy,
        new JsonObject().put("username", "secure_eve").put("password", "correct horse").put("cookie", true).toBuffer().getBytes());
    assertThat(spoofed.status()).isEqualTo(201);
    assertThat(spoofed.header("Set-Cookie")).doesNotContain("Secure");
  }

  @Test
  @DisplayName("the live WebSocket signs in by the cookie (home needs it); a revoked cookie is refused at the handshake")
  void liveByCookie() throws Exception {
    ApiClient api = app.api();
    signUp(api, "live_fay");
    String cookie = cookieLogIn(api, "live_fay", OWN_PAGE);
    LinkedBlockingQueue<String> frames = new LinkedBlockingQueue<>();
    WebSocket ws = open(cookie, frames);
    ws.sendText(new JsonObject().put("type", "subscribe").put("topic", "home").encode(), true).get(5, TimeUnit.SECONDS);
    String first = frames.poll(10, TimeUnit.SECONDS);
    assertThat(new JsonObject(first).getString("type")).isEqualTo("subscribed");
    ws.abort();

    LinkedBlockingQueue<String> anonymous = new LinkedBlockingQueue<>();
    WebSocket visitor = open(null, anonymous);
    visitor.sendText(new JsonObject().put("type", "subscribe").put("topic", "home").encode(), true).get(5, TimeUnit.SECONDS);
    assertThat(new JsonObject(anonymous.poll(10, TimeUnit.SECONDS)).getString("type")).isEqualTo("error");
    visitor.abort();

    assertThat(withCookie(api, "DELETE", "/api/v1/sessions/current", cookie, Map.of("Sec-Fetch-Site", "same-origin"), null).status())
        .isEqualTo(204);
    try {
      open(cookie, new LinkedBlockingQueue<>());
      throw new AssertionError("a revoked cookie opened a live connection");
    } catch (CompletionException | java.util.concurrent.ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(java.net.http.WebSocketHandshakeException.class);
      assertThat(((java.net.http.WebSocketHandshakeException) e.getCause()).getResponse().statusCode()).isEqualTo(401);
    }
  }

  private static WebSocket open(String cookie, LinkedBlockingQueue<String> frames) throws Exception {
    WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
    if (cookie != null) {
      builder.header("Cookie", "pinstream_session=" + cookie);
    }
    CompletableFuture<WebSocket> opened = builder.buildAsync(URI.create(app.api().base().replace("http:", "ws:") + "/api/v1/live"),
        new WebSocket.Listener() {
          @Override
          public CompletableFuture<?> onText(WebSocket socket, CharSequence data, boolean last) {
            frames.add(data.toString());
            socket.request(1);
            return null;
          }
        });
    return opened.get(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("pages: the shell for what exists, an HTML 404 (status 404) for unknown pins, users, boards and paths; the API keeps problem+json")
  void pages() {
    ApiClient api = app.api();
    String token = api.signUpAndLogIn("page_gus");
    String board = api.createBoard(token, "Bowls");
    String pin = api.createPin(token, board, api.uploadPhoto(token), "A bowl").getString("id");

    for (String path : new String[]{"/", "/pin/" + pin, "/u/page_gus", "/board/" + board, "/search?q=bowl", "/shop", "/me/earnings"}) {
      ApiClient.Reply page = api.get(path);
      assertThat(page.status()).as(path).isEqualTo(200);
      assertThat(page.header("Content-Type")).as(path).startsWith("text/html");
      assertThat(page.header("Cache-Control")).as(path).isEqualTo("no-cache");
      assertThat(page.body()).as(path).contains("content=\"200\"");
    }
    for (String path : new String[]{"/pin/1", "/pin/abc", "/u/nobody_here", "/board/1", "/board/x", "/nowhere", "/pin/" + pin + "/x"}) {
      ApiClient.Reply page = api.get(path);
      assertThat(page.status()).as(path).isEqualTo(404);
      assertThat(page.header("Content-Type")).as(path).startsWith("text/html");
      assertThat(page.body()).as(path).contains("content=\"404\"").contains("<title>Not found");
    }
    assertThat(api.delete("/api/v1/pins/" + pin, token).status()).isEqualTo(204);
    assertThat(api.get("/pin/" + pin).status()).isEqualTo(404); // a deleted pin is gone from its page too
    ApiClient.Reply apiMiss = api.get("/api/v1/nowhere");
    assertThat(apiMiss.status()).isEqualTo(404);
    assertThat(apiMiss.header("Content-Type")).startsWith("application/problem+json");
  }

  @Test
  @DisplayName("assets are named by content hash and immutable; the shell revalidates by ETag (304)")
  void caching() {
    ApiClient api = app.api();
    ApiClient.Reply shell = api.get("/");
    java.util.regex.Matcher script = java.util.regex.Pattern.compile("/assets/app\\.[0-9a-f]{16}\\.js").matcher(shell.body());
    java.util.regex.Matcher css = java.util.regex.Pattern.compile("/assets/app\\.[0-9a-f]{16}\\.css").matcher(shell.body());
    assertThat(script.find()).isTrue();
    assertThat(css.find()).isTrue();
    ApiClient.Reply js = api.get(script.group());
    assertThat(js.status()).isEqualTo(200);
    assertThat(js.header("Content-Type")).startsWith("text/javascript");
    assertThat(js.header("Cache-Control")).isEqualTo("public, max-age=31536000, immutable");
    String hash = script.group().replaceAll(".*app\\.([0-9a-f]+)\\.js", "$1");
    assertThat(js.header("ETag")).isEqualTo('"' + hash + '"');
    assertThat(hash).isEqualTo(WebAssets.sha256(js.bytes()).substring(0, 16));
    assertThat(api.send("GET", script.group(), Map.of("If-None-Match", js.header("ETag")), null).status()).isEqualTo(304);
    assertThat(api.get(css.group()).header("Content-Type")).startsWith("text/css");
    assertThat(api.get("/assets/app.0000000000000000.js").status()).isEqualTo(404);

    assertThat(api.send("GET", "/", Map.of("If-None-Match", shell.header("ETag")), null).status()).isEqualTo(304);
    ApiClient.Reply head = api.send("HEAD", "/", Map.of(), null);
    assertThat(head.status()).isEqualTo(200);
    assertThat(head.header("Content-Type")).startsWith("text/html");
    assertThat(head.bytes()).isEmpty();
    assertThat(api.send("HEAD", "/pin/1", Map.of(), null).status()).isEqualTo(404);
    assertThat(api.send("HEAD", script.group(), Map.of(), null).status()).isEqualTo(200);
    assertThat(shell.header("Content-Security-Policy")).contains("default-src 'self'");
  }

  @Test
  @DisplayName("profiles and boards tell a signed-in viewer whether they follow them")
  void viewerFollows() {
    ApiClient api = app.api();
    String hal = api.signUpAndLogIn("follow_hal");
    String ida = api.signUpAndLogIn("follow_ida");
    String board = api.createBoard(ida, "Vases");
    assertThat(api.get("/api/v1/users/follow_ida", hal).json().getBoolean("viewer_follows")).isFalse();
    assertThat(api.get("/api/v1/boards/" + board, hal).json().getBoolean("viewer_follows")).isFalse();
    assertThat(api.put("/api/v1/users/follow_ida/follow", hal).status()).isEqualTo(204);
    assertThat(api.put("/api/v1/boards/" + board + "/follow", hal).status()).isEqualTo(204);
    assertThat(api.get("/api/v1/users/follow_ida", hal).json().getBoolean("viewer_follows")).isTrue();
    assertThat(api.get("/api/v1/boards/" + board, hal).json().getBoolean("viewer_follows")).isTrue();
    assertThat(api.get("/api/v1/users/follow_ida").json().containsKey("viewer_follows")).isFalse();
  }

  @Test
  @DisplayName("a shop's owner lists their merchants and replaces the API key (the old one stops at once); the report has by_day")
  void merchantsAndKeys() {
    ApiClient api = app.api();
    String owner = api.signUpAndLogIn("shop_jo");
    String other = api.signUpAndLogIn("shop_kim");
    ApiClient.Reply created = api.post("/api/v1/merchants", new JsonObject().put("name", "Jo's").put("domain", "jo.example.com")
        .put("commission_rate_bps", 800).put("currency", "CNY"), owner);
    assertThat(created.status()).isEqualTo(201);
    String id = created.json().getString("id");
    String oldKey = created.json().getString("api_key");

    ApiClient.Reply mine = api.get("/api/v1/users/me/merchants", owner);
    assertThat(mine.status()).isEqualTo(200);
    assertThat(mine.items()).hasSize(1);
    assertThat(mine.items().getJsonObject(0).getString("id")).isEqualTo(id);
    assertThat(mine.items().getJsonObject(0).containsKey("api_key")).isFalse();
    assertThat(api.get("/api/v1/users/me/merchants", other).items()).isEmpty();

    assertThat(api.post("/api/v1/merchants/" + id + "/api_key", new JsonObject(), other).status()).isEqualTo(403);
    ApiClient.Reply replaced = api.post("/api/v1/merchants/" + id + "/api_key", new JsonObject(), owner);
    assertThat(replaced.status()).isEqualTo(201);
    String newKey = replaced.json().getString("api_key");
    assertThat(newKey).startsWith("psk_").isNotEqualTo(oldKey);
    String today = java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString();
    String report = "/api/v1/merchants/" + id + "/report?from=" + today + "&to=" + today;
    assertThat(api.get(report, oldKey).status()).isEqualTo(401);
    ApiClient.Reply read = api.get(report, newKey);
    assertThat(read.status()).isEqualTo(200);
    assertThat(read.json().getJsonArray("by_day")).isEmpty();
  }
}
