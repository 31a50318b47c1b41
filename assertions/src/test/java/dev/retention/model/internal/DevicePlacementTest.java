package dev.retention.model.internal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Where models go: CPU without GPUs, baseline and tuned on different GPUs when there are two or more. */
class DevicePlacementTest {

    @Test
    void withTheCpuNativesTheEngineReportsNoGpuAndAutoMeansCpu() {
        assertThat(Devices.gpuCount()).isZero();
        assertThat(Devices.place("auto", 2)).containsExactly("cpu", "cpu");
    }

    @Test
    void autoPutsBaselineAndTunedOnDifferentGpusWhenThereAreTwo() {
        assertThat(Devices.place("auto", 2, 2)).containsExactly("gpu:0", "gpu:1");
        assertThat(Devices.place("auto", 3, 2)).containsExactly("gpu:0", "gpu:1", "gpu:0");
        assertThat(Devices.place("auto", 2, 1)).containsExactly("gpu:0", "gpu:0");
        assertThat(Devices.place("auto", 2, 0)).containsExactly("cpu", "cpu");
    }

    @Test
    void anExplicitDevicePlacesEveryModelThere() {
        assertThat(Devices.place("cpu", 2, 2)).containsExactly("cpu", "cpu");
        assertThat(Devices.place("GPU", 2, 2)).containsExactly("gpu:0", "gpu:0");
        assertThat(Devices.place("gpu:1", 2, 2)).containsExactly("gpu:1", "gpu:1");
    }

    @Test
    void aGpuTheEngineDoesNotReportIsRefusedWithTheCount() {
        assertThatThrownBy(() -> Devices.resolve("gpu:1", 1))
                .hasMessage("device gpu:1 requested but the PyTorch engine reports 1 GPU(s)");
        assertThatThrownBy(() -> Devices.resolve("gpu", 0))
                .hasMessageContaining("reports 0 GPU(s) (CPU natives on the class path? see README, GPU)");
    }

    @Test
    void anUnknownDeviceNameListsTheAcceptedForms() {
        assertThatThrownBy(() -> Devices.parse("tpu"))
                .hasMessage("unknown device 'tpu': use auto, cpu, gpu or gpu:N");
        assertThatThrownBy(() -> Devices.parse("gpu:-1")).hasMessageContaining("use auto, cpu, gpu or gpu:N");
    }
}
