package io.pinstream.media;

import io.pinstream.common.Ids;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

import java.util.Locale;

/**
 * An upload and, once ready, its served images. {@code images} holds, per size name ("236x",
 * "474x", "736x", "orig"), the file name and the displayed width and height.
 */
public record Media(long id, String sha256, ImageFormat format, long bytes, int width, int height, String status,
                    JsonObject images, String dominantColor, String failureCode) {

  public static final String COLUMNS =
      "m.id, m.sha256, m.format, m.bytes, m.width, m.height, m.status, m.images, m.dominant_color, m.failure_code";
  public static final String READY = "ready";
  public static final String PROCESSING = "processing";
  public static final String FAILED = "failed";

  public static Media from(Row row) {
    return from(row, "");
  }

  /** Reads the columns under a name prefix, e.g. "media_" when joined into a pin query. */
  public static Media from(Row row, String prefix) {
    Object images = row.getValue(prefix + "images");
    return new Media(row.getLong(prefix + "id"), row.getString(prefix + "sha256"),
        ImageFormat.valueOf(row.getString(prefix + "format").toUpperCase(Locale.ROOT)), row.getLong(prefix + "bytes"),
        row.getInteger(prefix + "width"), row.getInteger(prefix + "height"), row.getString(prefix + "status"),
        images instanceof JsonObject json ? json : null, row.getString(prefix + "dominant_color"),
        row.getString(prefix + "failure_code"));
  }

  public boolean ready() {
    return READY.equals(status);
  }

  /** The full media object of {@code /api/v1/media}. */
  public JsonObject toJson(MediaUrls urls) {
    return toJson(urls, java.util.List.of());
  }

  /** With signed URLs for {@code requested} sizes too (named by their {@code name}) in {@code image_sizes}. */
  public JsonObject toJson(MediaUrls urls, java.util.List<MediaUrls.SignedSize> requested) {
    JsonObject json = new JsonObject()
        .put("id", Ids.format(id))
        .put("status", status)
        .put("content_type", format.mimeType())
        .put("width", width)
        .put("height", height)
        .put("bytes", bytes);
    addImages(json, urls, requested);
    return json;
  }

  /** The short form embedded in a pin. */
  public JsonObject toPinJson(MediaUrls urls) {
    JsonObject json = new JsonObject().put("id", Ids.format(id)).put("width", width).put("height", height);
    addImages(json, urls, java.util.List.of());
    return json;
  }

  /**
   * {@code images}: the fixed widths of the API contract; {@code image_sizes}: signed on-the-fly sizes
   * ({@link MediaUrls#STANDARD}), each no larger than the original.
   */
  private void addImages(JsonObject json, MediaUrls urls, java.util.List<MediaUrls.SignedSize> requested) {
    if (dominantColor != null) {
      json.put("dominant_color", dominantColor);
    }
    if (ready() && images != null) {
      JsonObject out = new JsonObject();
      for (String size : images.fieldNames()) {
        JsonObject image = images.getJsonObject(size);
        out.put(size, new JsonObject()
            .put("url", urls.image(sha256, image.getString("file")))
            .put("width", image.getInteger("width"))
            .put("height", image.getInteger("height")));
      }
      json.put("images", out);
      JsonObject sizes = new JsonObject();
      for (MediaUrls.SignedSize size : MediaUrls.STANDARD) {
        sizes.put(size.name(), signed(urls, size));
      }
      for (MediaUrls.SignedSize size : requested) {
        sizes.put(size.name(), signed(urls, size));
      }
      json.put("image_sizes", sizes);
    }
  }

  /**
   * A size's signed URL and the size of what it serves. A cover or contain box larger than the original is scaled
   * down, keeping its aspect ratio, until it fits (those fits never upscale).
   */
  private JsonObject signed(MediaUrls urls, MediaUrls.SignedSize size) {
    int w = size.width();
    int h = size.height();
    if (size.fit() != MediaUrls.Fit.INSIDE && (w > width || h > height)) {
      double s = Math.min((double) width / w, (double) height / h);
      w = Math.max(1, Math.min(width, (int) Math.floor(w * s)));
      h = Math.max(1, Math.min(height, (int) Math.floor(h * s)));
    }
    int[] output = VariantRenderer.outputSize(width, height, w, h, size.fit());
    return new JsonObject()
        .put("url", urls.sized(sha256, w, h, size.fit(), "jpg"))
        .put("width", output[0])
        .put("height", output[1]);
  }
}
