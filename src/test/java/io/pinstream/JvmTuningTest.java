package io.pinstream;

import com.sun.management.HotSpotDiagnosticMXBean;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

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
}
