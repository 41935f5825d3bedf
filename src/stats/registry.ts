import type { Distribution } from './distribution.js';
import { exponential } from './exponential.js';
import { gamma } from './gamma.js';
import { weibull } from './weibull.js';

/** Inter-arrival model as stored in a profile (discriminated on `family`). */
export type ArrivalModel =
  | { family: 'exponential'; scale: number }
  | { family: 'gamma'; shape: number; scale: number }
  | { family: 'weibull'; shape: number; scale: number };

export type ArrivalFamily = ArrivalModel['family'];

export const ARRIVAL_FAMILIES: readonly ArrivalFamily[] = ['exponential', 'gamma', 'weibull'];

/** The distribution a profile's arrival model names. */
export function arrivalDistribution(model: ArrivalModel): Distribution {
  switch (model.family) {
    case 'exponential':
      return exponential.create({ scale: model.scale });
    case 'gamma':
      return gamma.create({ shape: model.shape, scale: model.scale });
    case 'weibull':
      return weibull.create({ shape: model.shape, scale: model.scale });
    default: {
      const never: never = model;
      throw new Error(`unknown arrival family ${JSON.stringify(never)}`);
    }
  }
}
