import { type ClassValue, clsx } from 'clsx';
import { extendTailwindMerge } from 'tailwind-merge';

// chatwire's Tailwind classes carry the `cw:` prefix so they never collide with the host
// page; tailwind-merge must know it to let a host's class override a default one.
const mergeClasses = extendTailwindMerge({ prefix: 'cw' });

/** Joins class values, later Tailwind classes winning over earlier conflicting ones. */
export function cn(...values: ClassValue[]): string {
  return mergeClasses(clsx(values));
}
