package io.pinstream.testing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** A plain HTTP client for tests: real requests over the loopback, answers read whole. */
public final class ApiClient {
  private final String base;
  private final HttpClient http;

  public ApiClient(String base) {
    this(base, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build());
  }

  /** Requests through {@code http}, a client shared with other callers (a benchmark's, say). */
  public ApiClient(String base, HttpClient http) {
    this.base = base;
    this.http = http;
  }

  public String base() {
    return base;
  }

  public record Reply(int status, java.net.http.HttpHeaders headers, byte[] bytes) {
    public String body() {
      return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    }

    public JsonObject json() {
      return new JsonObject(body());
    }

    public JsonArray items() {
      return json().getJsonArray("items");
    }

    public String header(String name) {
      return headers.firstValue(name).orElse(null);
    }

    @Override
    public String toString() {
      return status + " " + body();
    }
  }

  public Reply get(String path, String token) {
    return send(request(path, token).GET());
  }

  public Reply get(String path) {
    return get(path, null);
  }

  public Reply post(String path, JsonObject body, String token) {
    return send(request(path, token).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.encode())));
  }

  public Reply postRaw(String path, String body, String token) {
    return send(request(path, token).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  public Reply patch(String path, JsonObject body, String token) {
    return send(request(path, token).header("Content-Type", "application/json")
        .method("PATCH", HttpRequest.BodyPublishers.ofString(body.encode())));
  }

  public Reply put(String path, String token) {
    return send(request(path, token).PUT(HttpRequest.BodyPublishers.noBody()));
  }

  public Reply delete(String path, String token) {
    return send(request(path, token).DELETE());
  }

  public Reply send(String method, String path, Map<String, String> headers, byte[] body) {
    HttpRequest.Builder b = request(path, null).method(method,
        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(b::header);
    return send(b);
  }

  public HttpRequest.Builder request(String path, String token) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return b;
  }

  public Reply send(HttpRequest.Builder request) {
    try {
      HttpResponse<byte[]> r = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      return new Reply(r.statusCode(), r.headers(), r.body());
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  /** POSTs one file as multipart/form-data, in a part named {@code partName}. */
  public Reply upload(String token, String partName, String filename, String contentType, byte[] bytes) {
    String boundary = "----pinstream" + System.nanoTime();
    java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
    String head = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + partName + "\"; filename=\""
        + filename + "\"\r\nContent-Type: " + contentType + "\r\n\r\n";
    body.writeBytes(head.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    body.writeBytes(bytes);
    body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return send(request("/api/v1/media", token)
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
  }

  public Reply upload(String token, byte[] bytes) {
    return upload(token, "file", "photo.jpg", "image/jpeg", bytes);
  }

  /** Every page of a list, each as its item ids, following bookmarks to the end. */
  public java.util.List<java.util.List<String>> pages(String path, String token, int pageSize) {
    java.util.List<java.util.List<String>> pages = new java.util.ArrayList<>();
    String bookmark = null;
    do {
      Reply page = get(path + (path.contains("?") ? "&" : "?") + "page_size=" + pageSize
          + (bookmark == null ? "" : "&bookmark=" + bookmark), token);
      if (page.status() != 200) {
        throw new IllegalStateException(path + " failed: " + page);
      }
      java.util.List<String> ids = new java.util.ArrayList<>();
      page.items().forEach(item -> ids.add(((JsonObject) item).getString("id")));
      pages.add(ids);
      bookmark = page.json().getString("bookmark");
    } while (bookmark != null);
    return pages;
  }

  // ---- shortcuts for the common set-up steps ----

  /** Signs up and logs in; returns the session token. */
  public String signUpAndLogIn(String username) {
    Reply created = post("/api/v1/accounts", new JsonObject().put("username", username).put("password", "correct horse"), null);
    if (created.status() != 201) {
      throw new IllegalStateException("sign-up failed: " + created);
    }
    return logIn(username, "correct horse");
  }

  public String logIn(String username, String password) {
    Reply session = post("/api/v1/sessions", new JsonObject().put("username", username).put("password", password), null);
    if (session.status() != 201) {
      throw new IllegalStateException("log-in failed: " + session);
    }
    return session.json().getString("token");
  }

  /** Uploads a fresh photo and returns the media id. */
  public String uploadPhoto(String token) {
    Reply media = upload(token, TestPhotos.jpeg(640, 480));
    if (media.status() != 201 && media.status() != 202) {
      throw new IllegalStateException("upload failed: " + media);
    }
    return media.json().getString("id");
  }

  public JsonObject createPin(String token, String boardId, String mediaId, String title) {
    Reply pin = post("/api/v1/pins", new JsonObject().put("board_id", boardId).put("media_id", mediaId).put("title", title), token);
    if (pin.status() != 201) {
      throw new IllegalStateException("pin creation failed: " + pin);
    }
    return pin.json();
  }

  public String createBoard(String token, String name) {
    Reply board = post("/api/v1/boards", new JsonObject().put("name", name), token);
    if (board.status() != 201) {
      throw new IllegalStateException("board creation failed: " + board);
    }
    return board.json().getString("id");
  }
}
