/**
 * Types for the untyped SPDX packages, limited to what ./spdx-id.ts calls (spdx-expression-parse 4,
 * spdx-correct 3). A package update that changes these shapes shows up in the identification tests.
 */
declare module 'spdx-expression-parse' {
  export type SpdxLeaf = { license: string; plus?: true; exception?: string };
  export type SpdxConjunction = { left: SpdxNode; conjunction: 'and' | 'or'; right: SpdxNode };
  export type SpdxNode = SpdxLeaf | SpdxConjunction;
  /** Parses an SPDX expression (ids case-sensitive, deprecated ids accepted); throws on anything else. */
  export default function parse(expression: string): SpdxNode;
}

declare module 'spdx-correct' {
  /** Best-guess SPDX expression for a loose license string, or null. */
  export default function correct(value: string, options?: { upgrade?: boolean }): string | null;
}
