/** A class list entry: a class string, or a falsy value for a condition that does not hold. */
export type ClassValue = string | false | null | undefined;

/**
 * Joins class strings, skipping falsy ones. No merging is needed: chatwire's own classes carry
 * the `cw:` prefix and live in the `components` cascade layer, so a host's classes (Tailwind's
 * `utilities` layer, or unlayered CSS) already win over them whatever the order.
 */
export function cn(...values: ClassValue[]): string {
  return values.filter(Boolean).join(' ');
}
