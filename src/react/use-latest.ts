import { type RefObject, useLayoutEffect, useRef } from 'react';

/**
 * A ref that always holds the latest `value`, so long-lived callbacks (store options,
 * socket handlers) call the host's newest function without the host needing `useCallback`.
 */
export function useLatest<Value>(value: Value): RefObject<Value> {
  const ref = useRef(value);
  useLayoutEffect(() => {
    ref.current = value;
  });
  return ref;
}
