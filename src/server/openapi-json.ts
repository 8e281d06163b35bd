/** The pieces the OpenAPI document is written with. */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
