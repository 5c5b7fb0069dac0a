import Foundation
import LoupeReport

extension TemplateRenderer {
    /// Template `name` rendered as one plain string (a caption or a sentence), without line breaks around it.
    ///
    /// Templates insert values with triple braces (`{{{value}}}`) so that they are not escaped;
    /// nil values are left out, so `{{#value}}…{{/value}}` shows text only when a value is given.
    func text(_ name: String, _ values: [String: Any?] = [:]) throws -> String {
        let text = try render(name, context: values.compactMapValues { $0 })
        return text.trimmingCharacters(in: .newlines)
    }
}
