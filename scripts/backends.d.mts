/** Types for scripts/backends.mjs (plain JavaScript, so the ensure script runs before npm ci). */
export declare const BACKENDS_REQUIRED: boolean;
export declare function findFastApiPython(): string | null;
export declare function fastApiHasHttpx(): boolean;
export declare function findRedisServer(): string | null;
export declare function missingBackendMessage(what: string, install: string): string;
export declare function forgetFoundPython(): void;
