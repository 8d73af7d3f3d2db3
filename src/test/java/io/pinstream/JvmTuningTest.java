package io.pinstream;

import com.sun.management.HotSpotDiagnosticMXBean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import javax.management.ObjectName;
import java.lang.management.ManagementFactory;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The service applies the JVM options it needs itself, at run time")
class JvmTuningTest {
  @Test
  @DisplayName("after apply(), the heap free ratios are the service's (unless the command line set them)")
  void applied() {
    JvmTuning.apply();
    HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
    JvmTuning.OPTIONS.forEach((name, value) -> {
      var option = hotspot.getVMOption(name);
      if (option.getOrigin() != com.sun.management.VMOption.Origin.VM_CREATION
          && option.getOrigin() != com.sun.management.VMOption.Origin.ENVIRON_VAR) {
        assertThat(option.getValue()).as(name).isEqualTo(value);
      }
    });
    assertThat(JvmTuning.apply()).as("nothing left to set the second time").isEmpty();
  }

  @Test
  @DisplayName("PINSTREAM_JIT=c1-network puts the compiler directives in force: C2 for images and cryptography, C1 for the rest")
  void compilerDirectives() throws Exception {
    assertThat(JvmTuning.applyCompilerDirectives(null)).as("not without PINSTREAM_JIT=c1-network").isFalse();
    assertThat(JvmTuning.applyCompilerDirectives("c2")).isFalse();
    assertThat(diagnosticCommand("compilerDirectivesPrint")).doesNotContain("net/coobird");
    assertThat(JvmTuning.applyCompilerDirectives("c1-network")).isTrue();
    String printed = diagnosticCommand("compilerDirectivesPrint");
    assertThat(printed).contains("at/favre/lib/crypto/*.*").contains("net/coobird/*.*").contains("*.*");
    assertThat(JvmTuning.applyCompilerDirectives("c1-network")).as("added once").isFalse();
  }

  @Test
  @DisplayName("the C2 compiler's threads run at a lower priority (nice 10), once")
  void c2Priority() throws Exception {
    JvmTuning.apply(); // by now, whichever test ran first
    JvmTuning.lowerC2Priority(); // and any C2 thread the JVM added since (it adds them as its queue grows)
    java.nio.file.Path tasks = java.nio.file.Path.of("/proc/self/task");
    org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isDirectory(tasks), "Linux only");
    int found = 0;
    try (var all = java.nio.file.Files.newDirectoryStream(tasks)) {
      for (java.nio.file.Path task : all) {
        String name = java.nio.file.Files.readString(task.resolve("comm"));
        if (name.startsWith("C2 CompilerThre")) {
          found++;
          assertThat(JvmTuning.nice(task)).as(name.trim()).isEqualTo(JvmTuning.C2_NICE);
        } else if (name.startsWith("C1 CompilerThre")) {
          assertThat(JvmTuning.nice(task)).as("C1 keeps its priority").isZero();
        }
      }
    }
    assertThat(found).as("C2 compiler threads").isPositive();
    assertThat(JvmTuning.lowerC2Priority()).as("nothing left to lower").isNull();
  }

  /** The rest of the suite runs in this JVM: give it the JVM's own compiler policy back. */
  @AfterAll
  static void removeDirectives() throws Exception {
    while (diagnosticCommand("compilerDirectivesPrint").contains("net/coobird")) {
      diagnosticCommand("compilerDirectivesRemove");
    }
  }

  private static String diagnosticCommand(String operation) throws Exception {
    return String.valueOf(ManagementFactory.getPlatformMBeanServer().invoke(
        new ObjectName("com.sun.management:type=DiagnosticCommand"), operation, new Object[] {new String[0]},
        new String[] {String[].class.getName()}));
  }
}
