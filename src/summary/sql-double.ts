/** A DOUBLE literal in every dialect (Trino and Spark read `0.5` as a DECIMAL, `5E-1` as a DOUBLE). */
export const dbl = (x: number): string => x.toExponential().toUpperCase();
