/** Types of tools/mutant-hits.mjs, for test/mutant-workers.ts. */
export declare const ACTIVE_MUTANT_ENV: '__STRYKER_ACTIVE_MUTANT__';
export declare const HIT_LIMIT_ENV: string;
export declare const HITS_KEY: string;
export declare const HIT_IDS: number;
export declare const HIT_ANY: number;
