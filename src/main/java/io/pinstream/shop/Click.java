package io.pinstream.shop;

import java.time.OffsetDateTime;

/**
 * One redirect through {@code /go/{pin_id}}, as the recorder receives it. {@code bot} is decided on the
 * redirect path (user agent); whether a human click is a repeat is decided when the batch is written.
 */
public record Click(String id, long pinId, Long merchantId, long pinnerId, Long viewerId, byte[] ipHash,
                    byte[] uaHash, String referrer, boolean bot, OffsetDateTime clickedAt) {
}
