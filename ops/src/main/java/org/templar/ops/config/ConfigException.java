package org.templar.ops.config;

/** A configuration that must not start: names the key, the value and what was expected. */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }

    public static ConfigException bad(String key, Object value, String expected) {
        return new ConfigException("configuration key '" + key + "' has value " + quote(value) + ": expected " + expected);
    }

    private static String quote(Object v) {
        return v instanceof String ? "\"" + v + "\"" : String.valueOf(v);
    }
}
