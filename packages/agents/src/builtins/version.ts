/** Version reported by the built-in plugins (the @prnn/agents package version). */
export const BUILTIN_VERSION = '0.1.0';
