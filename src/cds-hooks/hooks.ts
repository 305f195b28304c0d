/**
 * The hooks the service answers (CDS Hooks Library 1.0.1), named once: the request schemas, the
 * services, the CLI and the demo page take theirs from here. Nothing imported, so the demo page's
 * browser code can use it too.
 */

export const HOOKS = ['patient-view', 'order-select', 'order-sign'] as const;
export type HookName = (typeof HOOKS)[number];

/** The hooks whose context carries the orders being written (`draftOrders`). */
export type OrderHook = Exclude<HookName, 'patient-view'>;

export const isHook = (value: string): value is HookName =>
  (HOOKS as readonly string[]).includes(value);
export const isOrderHook = (hook: HookName): hook is OrderHook => hook !== 'patient-view';
export const ORDER_HOOKS: readonly OrderHook[] = HOOKS.filter(isOrderHook);
