package io.pinstream.media;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.pinstream.testing.TestApp;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("An upload cut by the shutdown grace")
class UploadCutByShutdownTest {
  @RegisterExtension
  static TestApp app = new TestApp(json -> json.getJsonObject("http").put("shutdown_grace_seconds", 1));

  @Test
  @DisplayName("is logged at WARN with its request id, not as an ERROR, and leaves no part in tmp/")
  void cutUploadIsAWarning() throws Exception {
    String token = app.api().signUpAndLogIn("cut_short");
    Path tmp = app.app().components().mediaStorage().newTempFile().getParent();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    root.addAppender(logs);
    try (Socket socket = new Socket("127.0.0.1", app.port())) {
      String part = "--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n"
          + "Content-Type: image/jpeg\r\n\r\n";
      String head = "POST /api/v1/media HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token + "\r\n"
          + "X-Request-Id: cut-upload-42\r\nContent-Type: multipart/form-data; boundary=xyz\r\n"
          + "Content-Length: 1000000\r\n\r\n" + part;
      OutputStream out = socket.getOutputStream();
      out.write(head.getBytes(StandardCharsets.ISO_8859_1));
      out.write(TestImages.jpeg(TestImages.noise(64, 40, 9), false), 0, 200);
      out.flush();
      for (int i = 0; i < 200 && parts(tmp).isEmpty(); i++) {
        Thread.sleep(20);
      }
      assertThat(parts(tmp)).as("the upload is being received").hasSize(1);
      app.stop(); // the grace (1 s) runs out with the body still coming
    } finally {
      root.detachAppender(logs);
    }
    List<ILoggingEvent> events = List.copyOf(logs.list);
    assertThat(events).filteredOn(e -> e.getLevel() == Level.ERROR).as("errors logged").isEmpty();
    assertThat(events).filteredOn(e -> e.getLevel() == Level.WARN
            && e.getLoggerName().equals(MediaApi.class.getName())
            && e.getFormattedMessage().contains("cut-upload-42"))
        .as("a warning naming the request").hasSize(1);
    assertThat(parts(tmp)).isEmpty();
  }

  private static List<Path> parts(Path tmp) throws Exception {
    try (Stream<Path> files = Files.list(tmp)) {
      return files.toList();
    }
  }
}
