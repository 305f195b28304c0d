/**
 * The part of `@lhncbc/ucum-lhc` (7.1.x, CommonJS, no type declarations of its own) that
 * units.ts uses. See node_modules/@lhncbc/ucum-lhc/source/ucumLhcUtils.js.
 */
declare module '@lhncbc/ucum-lhc' {
  export interface UcumValidation {
    /** `valid`; `invalid` (possibly with a substitution the library assumed); `error`. */
    status: 'valid' | 'invalid' | 'error';
    /** The code the library understood, which may differ from the input (`Gauss` → `G`). */
    ucumCode: string | null;
    msg: string[];
  }

  export interface UcumUnit {
    /** A non-linear ("special") unit such as Cel: a factor at 1 is not a factor. */
    isSpecial_?: boolean;
  }

  export interface UcumConversion {
    status: 'succeeded' | 'failed' | 'error';
    toVal: number | null;
    msg: string[];
    fromUnit?: UcumUnit;
    toUnit?: UcumUnit;
  }

  export interface UcumLhcUtilsInstance {
    validateUnitString(unit: string, suggest?: boolean): UcumValidation;
    convertUnitTo(
      fromUnit: string,
      fromValue: number,
      toUnit: string,
      options?: { molecularWeight?: number; charge?: number },
    ): UcumConversion;
  }

  /** Import by name: what a default import of this CommonJS module gives differs by loader. */
  export const UcumLhcUtils: {
    /** A new instance each time (despite the name): keep the one you get. */
    getInstance(): UcumLhcUtilsInstance;
    prototype: UcumLhcUtilsInstance;
  };
}
