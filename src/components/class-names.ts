import { type ClassValue, clsx } from 'clsx';

/**
 * Joins class values. No class merging is needed: chatwire's own classes carry the `cw:`
 * prefix and live in the `components` cascade layer, so a host's classes (Tailwind's
 * `utilities` layer, or unlayered CSS) already win over them whatever the order, and
 * tailwind-merge could not merge unprefixed host classes with prefixed ones anyway. That keeps
 * 8.7 kB gzip of class-merging code out of every host's bundle.
 */
export function cn(...values: ClassValue[]): string {
  return clsx(values);
}
