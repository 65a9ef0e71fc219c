package org.templar.ops.config;

/** A configuration that must not start: names the key, the value and what was expected. */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final java.util.List<String> problems;

    public ConfigException(String message) {
        super(message);
        this.problems = java.util.List.of(message);
    }

    /** Several problems found in one pass; the message lists them one per line. */
    public ConfigException(java.util.List<String> problems) {
        super(problems.size() == 1 ? problems.get(0)
                : problems.size() + " problems in the configuration:\n  " + String.join("\n  ", problems));
        this.problems = java.util.List.copyOf(problems);
    }

    /** Each problem on its own, in the order found. */
    public java.util.List<String> problems() {
        return problems;
    }

    public static ConfigException bad(String key, Object value, String expected) {
        return new ConfigException("configuration key '" + key + "' has value " + quote(value) + ": expected " + expected);
    }

    private static String quote(Object v) {
        return v instanceof String ? "\"" + v + "\"" : String.valueOf(v);
    }
}
