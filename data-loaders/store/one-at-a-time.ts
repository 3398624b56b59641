import type {Store} from "./store.ts";

/**
 * The same store with its async methods run one at a time, in call order. A fleet campaign's
 * machines record their steps side by side over one DuckDB connection, where two transactions
 * begun at once would collide ("cannot start a transaction within a transaction").
 */
export function oneAtATime(store: Store): Store {
  let last: Promise<unknown> = Promise.resolve();
  return new Proxy(store, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== "function" || value.constructor.name !== "AsyncFunction") return typeof value === "function" ? value.bind(target) : value;
      return (...args: unknown[]) => {
        const result = last.then(() => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
        last = result.catch(() => undefined);
        return result;
      };
    }
  });
}
