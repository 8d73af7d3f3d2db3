package io.pinstream.pins;

import io.pinstream.accounts.Auth;
import io.pinstream.accounts.UserRef;
import io.pinstream.boards.BoardStore;
import io.pinstream.common.Ids;
import io.pinstream.web.IdempotencyKeys;
import io.pinstream.web.JsonInput;
import io.pinstream.common.Problems;
import io.pinstream.config.Config;
import io.pinstream.web.RateLimiter;
import io.pinstream.web.Responses;
import io.pinstream.media.Media;
import io.pinstream.media.MediaStore;
import io.pinstream.shop.Merchant;
import io.pinstream.shop.MerchantKeys;
import io.pinstream.shop.Product;
import io.pinstream.shop.ProductPins;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Pins: create, read, edit, delete, save (repin). The lists of a board's and a user's pins are feeds ({@code feed.FeedsApi}). */
public final class PinsApi {
  private static final int MINUTE = 60;
  private final PinStore pins;
  private final BoardStore boards;
  private final MediaStore media;
  private final ProductPins productPins;
  private final MerchantKeys merchantKeys;
  private final Auth auth;
  private final PinEncoder encoder;
  private final PinEvents events;
  private final RateLimiter limiter;
  private final Config.RateLimits limits;

  public PinsApi(PinStore pins, BoardStore boards, MediaStore media, ProductPins productPins, MerchantKeys merchantKeys,
                 Auth auth,
                 PinEncoder encoder, PinEvents events, RateLimiter limiter, Config.RateLimits limits) {
    this.limiter = limiter;
    this.limits = limits;
    this.pins = pins;
    this.boards = boards;
    this.media = media;
    this.productPins = productPins;
    this.merchantKeys = merchantKeys;
    this.auth = auth;
    this.encoder = encoder;
    this.events = events;
  }

  public void mount(Router router) {
    // A merchant's servers publish its products with its API key, acting as the merchant's owner.
    router.post("/api/v1/pins").handler(merchantKeys.orUser(auth)).handler(this::create);
    router.get("/api/v1/pins/:id").handler(this::get);
    router.patch("/api/v1/pins/:id").handler(auth.required()).handler(this::edit);
    router.delete("/api/v1/pins/:id").handler(auth.required()).handler(this::delete);
    router.post("/api/v1/pins/:id/save").handler(auth.required()).handler(this::save);
  }

  private void create(RoutingContext ctx) {
    Merchant viaKey = MerchantKeys.merchant(ctx);
    long actor = viaKey != null ? viaKey.ownerId() : Auth.user(ctx).id();
    JsonInput in = JsonInput.of(ctx);
    Long boardId = in.requiredId("board_id");
    Long mediaId = in.requiredId("media_id");
    String title = in.optionalString("title", 0, 100);
    String description = in.optionalString("description", 0, 800);
    String altText = in.optionalString("alt_text", 0, 500);
    String link = httpLink(in, in.optionalString("link", 1, 2048));
    ProductPins.Request product = ProductPins.read(in, link);
    if (viaKey != null && (product == null || product.merchantId() != viaKey.id()) && !in.hasError("product")) {
      in.error("product.merchant_id", "a merchant's API key creates product pins of that merchant only");
    }
    in.validate();
    Buffer creationKey = IdempotencyKeys.creationKey(ctx);
    Future<Media> photo = media.get(mediaId); // read meanwhile; it counts once the board proved to be the caller's
    Future<Created> created = limiter.hitUnlessDown("pins", Long.toString(actor), limits.pinsPerUserPerMinute(), MINUTE)
        .compose(v -> boards.owned(boardId, actor))
        .compose(board -> productPins.resolve(actor, product, link))
        .compose(resolved -> photo.compose(found -> {
          if (found == null || Media.FAILED.equals(found.status())) {
            return Future.failedFuture(Problems.invalid("media_id", found == null
                ? "no media with this id" : "this media could not be processed (" + found.failureCode() + ")"));
          }
          return pins.insert(new PinStore.NewPin(boardId, actor, mediaId, title, description, link, altText, null,
              resolved), creationKey);
        }))
        .compose(pin -> pin != null
            ? deliver(pin, json -> events.pinCreated(pin, json))
            // An earlier attempt with this Idempotency-Key committed after its answer was lost.
            : pins.createdWith(creationKey).compose(earlier -> earlier != null
                ? Future.succeededFuture(new Created(earlier, encoder.encode(earlier)))
                : Future.failedFuture(Problems.conflict("pin_deleted",
                    "The pin an earlier attempt with this Idempotency-Key made has been deleted since"))));
    answerCreated(ctx, created);
  }

  private void get(RoutingContext ctx) {
    pins.get(Ids.pathId(ctx.pathParam("id"), "pin"))
        .onSuccess(pin -> Responses.json(ctx, 200, Buffer.buffer(encoder.encode(pin))))
        .onFailure(ctx::fail);
  }

  /**
   * The owner changes a pin's words or link: the fields sent are set, a null or empty one cleared, the
   * rest kept. A product pin's link is its product's page, the merchant's to set, so it cannot be
   * changed here. The pin stays on its board (moving it would be a removal and a new delivery).
   */
  private void edit(RoutingContext ctx) {
    UserRef me = Auth.user(ctx);
    long id = Ids.pathId(ctx.pathParam("id"), "pin");
    JsonInput in = JsonInput.of(ctx);
    Map<String, String> changes = new LinkedHashMap<>();
    editable(in, changes, "title", 100);
    editable(in, changes, "description", 800);
    editable(in, changes, "alt_text", 500);
    if (in.raw().containsKey("link")) {
      String link = in.optionalString("link", 0, 2048);
      changes.put("link", link == null || link.isEmpty() ? null : httpLink(in, link));
    }
    if (changes.isEmpty() && !in.raw().isEmpty()) {
      in.error(in.raw().fieldNames().iterator().next(), "not a field a pin's owner can change (title, description, alt_text, link)");
    }
    in.validate();
    Future<Pin> edited = pins.get(id).compose(pin -> {
      if (pin.owner().id() != me.id()) {
        return Future.failedFuture(Problems.forbidden("not_pin_owner", "Only the pin's owner can edit it"));
      }
      if (pin.product() != null && changes.containsKey("link")) {
        return Future.failedFuture(Problems.invalid("link", "a product pin links to its product's page, which the merchant sets"));
      }
      return changes.isEmpty() ? Future.succeededFuture(pin) : pins.edit(id, changes)
          .compose(changed -> events.pinEdited(id).otherwiseEmpty().map(changed));
    });
    edited.onSuccess(pin -> Responses.json(ctx, 200, Buffer.buffer(encoder.encode(pin)))).onFailure(ctx::fail);
  }

  /** A text field of the edit, when sent: its new value, null (cleared) for null or an empty string. */
  private static void editable(JsonInput in, Map<String, String> changes, String field, int maxLength) {
    if (in.raw().containsKey(field)) {
      String value = in.optionalString(field, 0, maxLength);
      if (!in.hasError(field)) {
        changes.put(field, value == null || value.isEmpty() ? null : value);
      }
    }
  }

  private void delete(RoutingContext ctx) {
    UserRef me = Auth.user(ctx);
    long id = Ids.pathId(ctx.pathParam("id"), "pin");
    Responses.replyEmpty(ctx, pins.get(id).compose(pin -> pin.owner().id() != me.id()
        ? Future.failedFuture(Problems.forbidden("not_pin_owner", "Only the pin's owner can delete it"))
        : pins.delete(id).compose(deleted -> settle(events.pinDeleted(id)))));
  }

  /**
   * A save copies the pin into one of the caller's boards, pointing back at it: 201. Saving it to the
   * same board again changes nothing and answers that save: 200.
   */
  private void save(RoutingContext ctx) {
    UserRef me = Auth.user(ctx);
    long id = Ids.pathId(ctx.pathParam("id"), "pin");
    JsonInput in = JsonInput.of(ctx);
    Long boardId = in.requiredId("board_id");
    in.validate();
    Future<Created> saved = limiter.hitUnlessDown("saves", Long.toString(me.id()), limits.savesPerUserPerMinute(), MINUTE)
        .compose(v -> Future.all(pins.get(id), boards.owned(boardId, me.id())))
        .compose(found -> {
          Pin original = found.resultAt(0);
          return pins.insert(new PinStore.NewPin(boardId, me.id(), original.media().id(), original.title(),
                  original.description(), original.link(), original.altText(), original.id(), original.product()),
                  null)
              .compose(copy -> copy != null
                  ? deliver(copy, json -> events.pinCreated(copy, json).compose(v -> events.pinSaved(id)))
                  : pins.saveOf(boardId, id).map(existing -> new Created(existing, encoder.encode(existing), 200)));
        });
    answerCreated(ctx, saved);
  }

  /** A pin as answered: encoded once; 201 when just made, 200 when it existed (a repeated save). */
  private record Created(Pin pin, byte[] json, int status) {
    Created(Pin pin, byte[] json) {
      this(pin, json, 201);
    }
  }

  /**
   * Encodes the new pin once and hands the bytes to the feeds; answers once they are delivered, so
   * the creator's next feed read has it. Delivery is given a few seconds, and its failure is not the
   * request's (the outbox retries).
   */
  private Future<Created> deliver(Pin pin, java.util.function.Function<byte[], Future<Void>> delivery) {
    byte[] json = encoder.encode(pin);
    return settle(delivery.apply(json)).map(new Created(pin, json));
  }

  private static void answerCreated(RoutingContext ctx, Future<Created> created) {
    created.onSuccess(c -> {
      ctx.response().putHeader("Location", "/api/v1/pins/" + c.pin().id());
      Responses.json(ctx, c.status(), Buffer.buffer(c.json()));
    }).onFailure(ctx::fail);
  }

  private static Future<Void> settle(Future<Void> delivery) {
    return delivery.timeout(3, java.util.concurrent.TimeUnit.SECONDS).otherwiseEmpty();
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
