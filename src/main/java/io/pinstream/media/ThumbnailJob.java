package io.pinstream.media;

/**
 * One request to the thumbnail workers, handed over as it is on the local event bus (so immutable).
 *
 * @param media   the row to render
 * @param info    what the upload's header said, when the sender already probed it (the worker then does
 *                not probe again); null when unknown
 * @param claimed whether the sender already holds the job's lease (a fresh upload, a re-render of a
 *                ready media); otherwise the worker first claims the job by the media's id
 */
public record ThumbnailJob(Media media, ImageInfo info, boolean claimed) {
  public ThumbnailJob {
    java.util.Objects.requireNonNull(media, "media");
  }
}
