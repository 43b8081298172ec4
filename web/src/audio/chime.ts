/** A short two-tone chime for a new alert on the supervisor board (no audio file to ship). */
let context: AudioContext | null = null;

export function playChime(): void {
  try {
    context ??= new AudioContext();
    void context.resume();
    const now = context.currentTime;
    [880, 660].forEach((frequency, i) => {
      const ctx = context as AudioContext;
      const tone = ctx.createOscillator();
      const gain = ctx.createGain();
      tone.frequency.value = frequency;
      gain.gain.setValueAtTime(0.2, now + i * 0.2);
      gain.gain.exponentialRampToValueAtTime(0.001, now + i * 0.2 + 0.18);
      tone.connect(gain).connect(ctx.destination);
      tone.start(now + i * 0.2);
      tone.stop(now + i * 0.2 + 0.2);
    });
  } catch {
    // No audio device (or the browser refuses): the highlighted row still shows the alert.
  }
}
