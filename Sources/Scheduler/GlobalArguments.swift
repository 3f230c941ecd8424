/// Lets the options every warehouse command shares come before the subcommand, as in
/// `crmhub --database-url URL db status`: ArgumentParser reads a subcommand's options only after its name.
package enum GlobalArguments {
    /// The shared options (`GlobalOptions` in the crmhub executable) that take a value.
    package static let options: Set<String> = ["--database-url", "--log-level"]

    /// `arguments` (without the program name) with shared options written before the subcommand moved behind
    /// it: to the end, or before a `--` that ends the options. Both `--opt value` and `--opt=value` are
    /// recognised; anything else stops the move, and an option missing its value is left where it is for the
    /// parser to report. Options already after the subcommand are untouched, so a command without these
    /// options still reports them as unknown.
    package static func hoisted(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if options.contains(argument), index + 1 < arguments.count {
                leading += [argument, arguments[index + 1]]
                index += 2
            } else if let equals = argument.firstIndex(of: "="), options.contains(String(argument[..<equals])) {
                leading.append(argument)
                index += 1
            } else {
                break
            }
        }
        guard !leading.isEmpty, index < arguments.count else { return arguments }
        var rest = Array(arguments[index...])
        rest.insert(contentsOf: leading, at: rest.firstIndex(of: "--") ?? rest.endIndex)
        return rest
    }
}
