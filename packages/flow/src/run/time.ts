/** Python datetime formatting, as Prompt flow writes times into run files. */
import { pyFloat } from '../py/pyvalue.js';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

interface Parts { y: number; mo: number; d: number; h: number; mi: number; s: number; us: number }

function parts(date: Date, utc: boolean): Parts {
  return utc
    ? { y: date.getUTCFullYear(), mo: date.getUTCMonth() + 1, d: date.getUTCDate(), h: date.getUTCHours(), mi: date.getUTCMinutes(), s: date.getUTCSeconds(), us: date.getUTCMilliseconds() * 1000 }
    : { y: date.getFullYear(), mo: date.getMonth() + 1, d: date.getDate(), h: date.getHours(), mi: date.getMinutes(), s: date.getSeconds(), us: date.getMilliseconds() * 1000 };
}

/** `datetime.isoformat()` of a naive datetime: microseconds omitted when zero. */
function isoformat(p: Parts): string {
  const base = `${pad(p.y, 4)}-${pad(p.mo)}-${pad(p.d)}T${pad(p.h)}:${pad(p.mi)}:${pad(p.s)}`;
  return p.us === 0 ? base : `${base}.${pad(p.us, 6)}`;
}

/** UTC naive isoformat; with `z`, the `…Z` form Prompt flow's serializer writes inside run_info. */
export function isoUtc(date: Date, z = false): string {
  return isoformat(parts(date, true)) + (z ? 'Z' : '');
}

/** Local naive isoformat (`datetime.now().isoformat()`), as in `created_on`. */
export function isoLocal(date: Date): string {
  return isoformat(parts(date, false));
}

/** Parse the times we write (`…Z` or naive UTC) back to a Date. */
export function parseUtc(text: string): Date {
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`);
}

/** Seconds since the epoch as a Python float. */
export function epochSeconds(date: Date): unknown {
  return pyFloat(date.getTime() / 1000);
}

/** `(end - start).total_seconds()` as a Python float. */
export function durationSeconds(start: Date, end: Date): unknown {
  return pyFloat((end.getTime() - start.getTime()) / 1000);
}

/** `strftime("%Y%m%d_%H%M%S_%f")` in local time. */
export function runNameTimestamp(date: Date): string {
  const p = parts(date, false);
  return `${pad(p.y, 4)}${pad(p.mo)}${pad(p.d)}_${pad(p.h)}${pad(p.mi)}${pad(p.s)}_${pad(p.us, 6)}`;
}

/** `strftime("%Y%m%d%H%M")` in local time, the `${timestamp}` display-name macro. */
export function displayNameTimestamp(date: Date): string {
  const p = parts(date, false);
  return `${pad(p.y, 4)}${pad(p.mo)}${pad(p.d)}${pad(p.h)}${pad(p.mi)}`;
}

/** `%Y-%m-%d %H:%M:%S %z` in local time, the asctime of Prompt flow's logs.txt. */
export function logTimestamp(date: Date): string {
  const p = parts(date, false);
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return `${pad(p.y, 4)}-${pad(p.mo)}-${pad(p.d)} ${pad(p.h)}:${pad(p.mi)}:${pad(p.s)} ${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
}
