package io.hormesis.jobs.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Command-line arguments: {@code --flag value}, {@code --flag=value}, repeated {@code --set k=v}.
 */
final class Arguments {
    private final Map<String, String> flags = new LinkedHashMap<>();
    private final Map<String, String> settings = new LinkedHashMap<>();
    private final Map<String, String> params = new LinkedHashMap<>();
    private final List<String> positional = new ArrayList<>();

    /**
     * @throws UsageException on a flag not in {@code known} or a flag without its value
     */
    static Arguments parse(List<String> args, Set<String> known, Set<String> switches) {
        Arguments parsed = new Arguments();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--")) {
                parsed.positional.add(arg);
                continue;
            }
            String name = arg.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (switches.contains(name)) {
                parsed.flags.put(name, value == null ? "true" : value);
                continue;
            }
            boolean repeated = name.equals("set") || name.equals("param") && known.contains(name);
            if (!known.contains(name) && !repeated) {
                throw new UsageException("unknown option --" + name);
            }
            if (value == null) {
                if (i + 1 >= args.size()) {
                    throw new UsageException("--" + name + " needs a value");
                }
                value = args.get(++i);
            }
            if (repeated) {
                int at = value.indexOf('=');
                if (at <= 0) {
                    throw new UsageException("--" + name + " takes KEY=VALUE, got '" + value + "'");
                }
                (name.equals("set") ? parsed.settings : parsed.params)
                        .put(value.substring(0, at), value.substring(at + 1));
            } else {
                parsed.flags.put(name, value);
            }
        }
        return parsed;
    }

    String flag(String name, String fallback) {
        return flags.getOrDefault(name, fallback);
    }

    boolean has(String name) {
        return flags.containsKey(name);
    }

    double number(String name, double fallback) {
        String value = flags.get(name);
        if (value == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " takes a number, got '" + value + "'");
        }
    }

    Map<String, String> settings() {
        return settings;
    }

    /** The repeated {@code --param NAME=VALUE} of commands that accept them. */
    Map<String, String> params() {
        return params;
    }

    List<String> positional() {
        return positional;
    }

    /** Bad command-line usage: the message is shown with the command's help. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
