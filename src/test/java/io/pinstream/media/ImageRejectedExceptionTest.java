package io.pinstream.media;

import io.pinstream.common.ServiceException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("Image rejections are service errors")
class ImageRejectedExceptionTest {

  @Test
  @DisplayName("a probe's rejection is a ServiceException with its status, code and title")
  void probeRejectionIsAServiceError() throws Exception {
    Path html = Files.createTempFile("rejected", ".jpg");
    try {
      Files.writeString(html, "<html><script>alert(1)</script></html>");
      assertThatThrownBy(() -> ImageProbe.probe(html, 1_000_000)).isInstanceOfSatisfying(ServiceException.class, e -> {
        JsonObject problem = e.toProblem("/api/v1/media");
        assertThat(problem.getInteger("status")).isEqualTo(415);
        assertThat(problem.getString("code")).isEqualTo("unsupported_media_type");
        assertThat(problem.getString("title")).isEqualTo("Unsupported Media Type");
        assertThat(problem.getString("detail")).contains("markup");
      });
    } finally {
      Files.delete(html);
    }
  }

  @Test
  @DisplayName("a stored failure code gives the answer of that rejection; unknown codes are a corrupt image")
  void forFailureCode() {
    assertProblem(ImageRejectedException.forFailureCode("image_too_large"), 422, "image_too_large", "Unprocessable Content");
    assertProblem(ImageRejectedException.forFailureCode("unsupported_media_type"), 415, "unsupported_media_type",
        "Unsupported Media Type");
    assertProblem(ImageRejectedException.forFailureCode("image_corrupt"), 422, "image_corrupt", "Unprocessable Content");
    assertProblem(ImageRejectedException.forFailureCode("image_missing"), 422, "image_corrupt", "Unprocessable Content");
    assertProblem(ImageRejectedException.forFailureCode("something_new"), 422, "image_corrupt", "Unprocessable Content");
    assertProblem(ImageRejectedException.forFailureCode(null), 422, "image_corrupt", "Unprocessable Content");
  }

  private static void assertProblem(ServiceException e, int status, String code, String title) {
    JsonObject problem = e.toProblem(null);
    assertThat(problem.getInteger("status")).isEqualTo(status);
    assertThat(problem.getString("code")).isEqualTo(code);
    assertThat(problem.getString("title")).isEqualTo(title);
    assertThat(problem.getString("type")).isEqualTo("https://pinstream.dev/problems/" + code.replace('_', '-'));
    assertThat(problem.getString("detail")).isNotBlank();
  }
}
