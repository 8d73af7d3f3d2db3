package io.pinstream.pins;

import io.pinstream.accounts.Auth;
import io.pinstream.accounts.UserRef;
import io.pinstream.boards.BoardStore;
import io.pinstream.http.Ids;
import io.pinstream.http.JsonInput;
import io.pinstream.http.Problems;
import io.pinstream.http.Responses;
import io.pinstream.media.Media;
import io.pinstream.media.MediaStore;
import io.pinstream.shop.MerchantStore;
import io.pinstream.shop.ProductPins;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/** Pins: create, read, delete, save (repin), and the newest-first lists of a board and of a user. */
public final class PinsApi {
  private final PinStore pins;
  private final BoardStore boards;
  private final MediaStore media;
  private final MerchantStore merchants;
  private final Auth auth;
  private final String imageBaseUrl;
  private final PinListener listener;

  /**
   * Told after a pin was created, saved or deleted (the change is committed, with its fan-out job):
   * feeds deliver it. The request waits for it briefly so the author reads their own write; if it
   * is slow or fails, the job is still recorded and the sweep finishes it.
   */
  public interface PinListener {
    Future<Void> pinCreated(long pinId);

    Future<Void> pinDeleted(long pinId);

    /** The saved pin's counts changed. */
    Future<Void> pinSaved(long originalPinId);
  }

  public PinsApi(PinStore pins, BoardStore boards, MediaStore media, MerchantStore merchants, Auth auth,
                 String imageBaseUrl, PinListener listener) {
    this.pins = pins;
    this.boards = boards;
    this.media = media;
    this.merchants = merchants;
    this.auth = auth;
    this.imageBaseUrl = imageBaseUrl;
    this.listener = listener;
  }

  public void mount(Router router) {
    router.post("/api/v1/pins").handler(auth.required()).handler(this::create);
    router.get("/api/v1/pins/:id").handler(this::get);
    router.delete("/api/v1/pins/:id").handler(auth.required()).handler(this::delete);
    router.post("/api/v1/pins/:id/save").handler(auth.required()).handler(this::save);
  }

  private void create(RoutingContext ctx) {
    UserRef me = Auth.user(ctx);
    JsonInput in = JsonInput.of(ctx);
    Long boardId = in.requiredId("board_id");
    Long mediaId = in.requiredId("media_id");
    String title = in.optionalString("title", 0, 100);
    String description = in.optionalString("description", 0, 800);
    String altText = in.optionalString("alt_text", 0, 500);
    String link = httpLink(in, in.optionalString("link", 1, 2048));
    Product product = ProductPins.read(in, link);
    in.validate();
    Future<Media> photo = media.get(mediaId); // read meanwhile; it counts once the board proved to be the caller's
    Future<JsonObject> created = boards.owned(boardId, me.id())
        .compose(board -> ProductPins.check(merchants, product, link))
        .compose(checked -> photo)
        .compose(found -> {
          if (found == null || Media.FAILED.equals(found.status())) {
            return Future.failedFuture(Problems.invalid("media_id", found == null
                ? "no media with this id" : "this media could not be processed (" + found.failureCode() + ")"));
          }
          return pins.insert(new PinStore.NewPin(boardId, me.id(), mediaId, title, description, link, altText, null,
              product));
        })
        .compose(id -> readWhileDelivering(id, listener.pinCreated(id)))
        .map(pin -> created(ctx, pin));
    Responses.reply(ctx, 201, created);
  }

  private void get(RoutingContext ctx) {
    Responses.reply(ctx, 200, pins.get(Ids.pathId(ctx, "id", "pin")).map(pin -> pin.toJson(imageBaseUrl)));
  }

  private void delete(RoutingContext ctx) {
    UserRef me = Auth.user(ctx);
    long id = Ids.pathId(ctx, "id", "pin");
    Responses.replyEmpty(ctx, pins.get(id).compose(pin -> pin.owner().id() != me.id()
        ? Future.failedFuture(Problems.forbidden("not_pin_owner", "Only the pin's owner can delete it"))
        : pins.delete(id).compose(deleted -> settle(listener.pinDeleted(id)))));
  }

  /** A save copies the pin into one of the caller's boards, pointing back at it. */
  private void save(RoutingContext ctx) {
    UserRef me = Auth.user(ctx);
    long id = Ids.pathId(ctx, "id", "pin");
    JsonInput in = JsonInput.of(ctx);
    Long boardId = in.requiredId("board_id");
    in.validate();
    Future<JsonObject> saved = pins.get(id)
        .compose(original -> boards.owned(boardId, me.id())
            .compose(board -> pins.insert(new PinStore.NewPin(boardId, me.id(), original.media().id(),
                original.title(), original.description(), original.link(), original.altText(), original.id(),
                original.product()))))
        .compose(copy -> readWhileDelivering(copy, listener.pinCreated(copy).compose(v -> listener.pinSaved(id))))
        .map(pin -> created(ctx, pin));
    Responses.reply(ctx, 201, saved);
  }

  /**
   * The new pin, read back while its feed delivery runs; answers once both are done, so the
   * creator's next feed read has it. Delivery is given a few seconds, and its failure is not the
   * request's (the outbox retries).
   */
  private Future<Pin> readWhileDelivering(long pinId, Future<Void> delivery) {
    Future<Pin> pin = pins.get(pinId);
    return Future.join(pin, settle(delivery)).transform(done -> pin);
  }

  private static Future<Void> settle(Future<Void> delivery) {
    return delivery.timeout(3, java.util.concurrent.TimeUnit.SECONDS).otherwiseEmpty();
  }

  private JsonObject created(RoutingContext ctx, Pin pin) {
    ctx.response().putHeader("Location", "/api/v1/pins/" + pin.id());
    return pin.toJson(imageBaseUrl);
  }

  /** Links are followed by browsers from our pages: only absolute http(s) URLs with a host. */
  static String httpLink(JsonInput in, String link) {
    if (link == null) {
      return null;
    }
    try {
      URI uri = new URI(link);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
        return link;
      }
    } catch (URISyntaxException ignored) {
      // reported below
    }
    in.error("link", "must be an absolute http or https URL");
    return null;
  }
}
