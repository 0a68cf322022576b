import { useEffect } from 'react';

const ACTIVITY = ['keydown', 'mousedown', 'mousemove', 'wheel', 'touchstart', 'pointerdown'] as const;

/**
 * Calls onIdle once after `minutes` without keyboard, mouse or touch activity in the window (fractions allowed;
 * 0 or less never locks). Activity only moves a timestamp; a single timer re-arms itself for the remaining time.
 * While the operator is active, onActive is called at most once per third of the idle time, so the service (which
 * locks a session that sent no command for that long) knows that typing into a form is not idleness.
 */
export function useIdleLock(
  minutes: number,
  enabled: boolean,
  onIdle: () => void,
  onActive?: () => void,
): void {
  useEffect(() => {
    if (!enabled || !(minutes > 0)) return;
    const limitMs = minutes * 60_000;
    let last = Date.now();
    let reported = last;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const touch = () => {
      last = Date.now();
      if (onActive && last - reported >= limitMs / 3) {
        reported = last;
        onActive();
      }
    };
    const check = () => {
      const left = last + limitMs - Date.now();
      if (left <= 0) {
        timer = undefined;
        onIdle();
      } else timer = setTimeout(check, left);
    };
    for (const e of ACTIVITY) window.addEventListener(e, touch, { capture: true, passive: true });
    timer = setTimeout(check, limitMs);
    return () => {
      for (const e of ACTIVITY) window.removeEventListener(e, touch, { capture: true });
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [minutes, enabled, onIdle, onActive]);
}
