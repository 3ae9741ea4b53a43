// The rear camera and the QR decoder: the browser's BarcodeDetector where it exists,
// otherwise zxing-cpp (zxing-wasm), whose .wasm is served by the service itself.
import { prepareZXingModule, readBarcodes } from "zxing-wasm/reader";

const REPEAT_MS = 2500; // the same code held in front of the camera is decided once

export async function makeDecoder(wasmUrl) {
  if ("BarcodeDetector" in window) {
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (formats.includes("qr_code")) {
        const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        return { name: "BarcodeDetector",
          decode: async (source) => (await detector.detect(source))[0]?.rawValue ?? null };
      }
    } catch (err) {
      // fall through to zxing
    }
  }
  prepareZXingModule({
    overrides: { locateFile: (path, prefix) => (path.endsWith(".wasm") ? wasmUrl : prefix + path) },
    fireImmediately: true,
  });
  const options = { formats: ["QRCode"], maxNumberOfSymbols: 1, tryHarder: true };
  return { name: "zxing-wasm",
    decode: async (imageData) => (await readBarcodes(imageData, options))[0]?.text ?? null,
    needsImageData: true };
}

export class Camera {
  constructor(video, decoder, onCode) {
    this.video = video;
    this.decoder = decoder;
    this.onCode = onCode;
    this.stream = null;
    this.canvas = document.createElement("canvas");
    this.last = { text: null, at: 0 };
    this.busy = false;
  }

  async start() {
    this.stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 },
        height: { ideal: 720 } },
    });
    this.video.srcObject = this.stream;
    this.last = { text: null, at: 0 }; // a code shown again after a restart is a new scan
    await this.video.play();
    this.running = true;
    this._schedule();
  }

  stop() {
    this.running = false;
    if (this.stream) this.stream.getTracks().forEach((track) => track.stop());
    this.stream = null;
    this.video.srcObject = null;
  }

  get track() { return this.stream ? this.stream.getVideoTracks()[0] : null; }

  hasTorch() {
    const track = this.track;
    return Boolean(track && track.getCapabilities && track.getCapabilities().torch);
  }

  async setTorch(on) {
    if (this.hasTorch()) await this.track.applyConstraints({ advanced: [{ torch: on }] });
  }

  _schedule() {
    if (!this.running) return;
    if (this.video.requestVideoFrameCallback) {
      this.video.requestVideoFrameCallback(() => this._frame());
    } else {
      requestAnimationFrame(() => this._frame());
    }
  }

  async _frame() {
    if (!this.running) return;
    if (!this.busy && this.video.videoWidth) {
      this.busy = true;
      const grabbedAt = performance.now();
      try {
        const text = await this.decoder.decode(this._source());
        const now = Date.now();
        // Debounce: the same code again within REPEAT_MS is the same presentation.
        if (text && (text !== this.last.text || now - this.last.at > REPEAT_MS)) {
          this.last = { text, at: now };
          await this.onCode(text, grabbedAt);
        } else if (text) {
          this.last.at = now;
        }
      } catch (err) {
        console.error("decode failed", err);
      } finally {
        this.busy = false;
      }
    }
    this._schedule();
  }

  _source() {
    if (!this.decoder.needsImageData) return this.video;
    const { videoWidth: w, videoHeight: h } = this.video;
    if (this.canvas.width !== w) this.canvas.width = w;
    if (this.canvas.height !== h) this.canvas.height = h;
    const context = this.canvas.getContext("2d", { willReadFrequently: true });
    context.drawImage(this.video, 0, 0, w, h);
    return context.getImageData(0, 0, w, h);
  }
}
