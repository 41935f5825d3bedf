/**
 * Small clients pooled into one client `tail` (`fit --min-client-requests`): which client each
 * index becomes. Shared by the TypeScript engine (poolSmallClients, on a trace) and the DuckDB
 * scan (on its client codes), so both name the pool and the clients alike.
 */
export interface ClientPool {
  /** Client ids after pooling. */
  ids: string[];
  /** New index of each old client index. */
  code: Int32Array;
  /** Clients pooled into `tail`. */
  pooled: number;
}

/**
 * Clients with fewer than `min` accepted rows (`counts[i]` of `ids[i]`), but at least one, become
 * one client `tail`, at the place of the first of them; a client already named `tail` that is
 * kept is renamed `tail-client` (or `tail-client-2`, `-3`, … when that name is taken too: the ids
 * must stay distinct, or the profile's clients would collide). Names without accepted rows (the DuckDB scan lists `unknown` for
 * blank ids whether or not there are any) are no clients: kept, never pooled. Undefined when no
 * client is pooled (or `min` ≤ 0).
 */
export function poolClients(ids: readonly string[], counts: ArrayLike<number>, min: number): ClientPool | undefined {
  if (!(min > 0)) return undefined;
  const small = (i: number) => counts[i] > 0 && counts[i] < min;
  let pooled = 0;
  for (let i = 0; i < ids.length; i++) if (small(i)) pooled++;
  if (pooled === 0) return undefined;
  // A kept `tail` needs a name no other client has.
  const taken = new Set(ids);
  let renamed = 'tail-client';
  for (let k = 2; taken.has(renamed); k++) renamed = `tail-client-${k}`;
  const out: string[] = [];
  const code = new Int32Array(ids.length);
  let tail = -1;
  ids.forEach((id, i) => {
    if (small(i)) {
      if (tail < 0) {
        tail = out.length;
        out.push('tail');
      }
      code[i] = tail;
    } else {
      code[i] = out.length;
      out.push(id === 'tail' ? renamed : id);
    }
  });
  return { ids: out, code, pooled };
}
