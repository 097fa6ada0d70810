/**
 * Debug switches, one reading for the loader (which refuses one in a spec's `env` wherever a stack
 * enforces the `debug-disabled` policy) and that policy (which checks what the platforms render).
 */

/** Debug switches that must be off outside development: variable name → values that turn debugging on. */
export const DEFAULT_DEBUG_SETTINGS: Record<string, string[]> = {
    DEBUG: ["true", "1", "yes", "on"],
    DJANGO_DEBUG: ["true", "1", "yes", "on"],
    FLASK_DEBUG: ["true", "1", "yes", "on"],
    FLASK_ENV: ["development"],
    NODE_ENV: ["development"],
    APP_DEBUG: ["true", "1", "yes", "on"],
    RAILS_ENV: ["development"],
};

/** Whether `name=value` switches debugging on, under `settings` (name → the values that do). */
export function isDebugSwitch(name: string, value: unknown, settings: Record<string, string[]> = DEFAULT_DEBUG_SETTINGS): boolean {
    const on = settings[name.toUpperCase()];
    return !!on && typeof value === "string" && on.includes(value.trim().toLowerCase());
}
