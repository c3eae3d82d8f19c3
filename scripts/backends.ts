/**
 * Where the backends of chatwire's three-part and multi-instance tests are: see
 * scripts/backends.mjs, the one place that decides it, for the tests and for
 * scripts/ensure-backends.mjs alike.
 */
export {
  BACKENDS_REQUIRED,
  fastApiHasHttpx,
  findFastApiPython,
  findRedisServer,
  missingBackendMessage,
} from './backends.mjs';
