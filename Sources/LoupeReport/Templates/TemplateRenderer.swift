import Foundation
import Mustache

/// Loads Mustache templates (`*.mustache`) from folders and renders them into text or blocks.
///
/// Folders are searched in order, so a job's own folder listed first overrides the defaults.
/// Values inserted with `{{name}}` are escaped, so data never turns into markup, and cut to
/// `longestWord` characters without a space, so a hostile name cannot fill a page.
public struct TemplateRenderer {
    /// The folders searched, highest priority first.
    public let folders: [String]
    private var sources: [String: (text: String, path: String)] = [:]

    /// Reads every `*.mustache` file of `folders` (missing folders are an error).
    public init(folders: [String]) throws {
        self.folders = folders
        let fm = FileManager.default
        for folder in folders.reversed() {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ReportError.templateFolder(path: folder, reason: "no such folder")
            }
            let names: [String]
            do { names = try fm.contentsOfDirectory(atPath: folder) } catch {
                throw ReportError.templateFolder(path: folder, reason: "cannot list: \(error.localizedDescription)")
            }
            for file in names.sorted() where file.hasSuffix(".mustache") {
                let path = (folder as NSString).appendingPathComponent(file)
                guard let data = fm.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                    throw ReportError.templateFolder(path: path, reason: "unreadable or not UTF-8")
                }
                sources[String(file.dropLast(".mustache".count))] = (text, path)
            }
        }
    }

    /// Creates a renderer over one folder.
    public init(folder: String) throws { try self.init(folders: [folder]) }

    /// Names of the templates found.
    public var templateNames: [String] { sources.keys.sorted() }

    /// Renders template `name` with `context` (dictionaries, arrays, strings, numbers); partials resolve by name.
    public func render(_ name: String, context: [String: Any]) throws -> String {
        guard let source = sources[name] else {
            throw ReportError.templateMissing(name: name, folder: folders.joined(separator: ", "))
        }
        let template = try parse(name: name, text: source.text)
        var library = MustacheLibrary()
        for (other, src) in sources where other != name {
            // Other templates are only needed as partials; a broken one is reported when rendered itself.
            if let t = try? MustacheTemplate(string: src.text) { library.register(t, named: other) }
        }
        return template.render(Self.shortened(context), library: library)
    }

    /// The longest unbroken run of characters a value may insert (names from model files can be 5,000 long).
    public static let longestWord = 200

    /// `value` with every string's unbroken runs longer than `longestWord` cut with "…", in nested
    /// dictionaries and arrays too, so no inserted name can fill a page.
    static func shortened(_ value: Any) -> Any {
        switch value {
        case let text as String:
            guard text.count > longestWord else { return text }
            var out = "", run = 0
            for character in text {
                run = character.isWhitespace ? 0 : run + 1
                if run <= longestWord { out.append(character) } else if run == longestWord + 1 { out.append("…") }
            }
            return out
        case let dictionary as [String: Any]: return dictionary.mapValues { shortened($0) }
        case let array as [Any]: return array.map { shortened($0) }
        default: return value
        }
    }

    /// Renders template `name` and parses the result into blocks (see `TemplateMarkup`).
    public func blocks(_ name: String, context: [String: Any]) throws -> [Block] {
        TemplateMarkup.blocks(from: try render(name, context: context))
    }

    private func parse(name: String, text: String) throws -> MustacheTemplate {
        do {
            return try MustacheTemplate(string: text)
        } catch let error as MustacheTemplate.ParserError {
            throw ReportError.templateSyntax(name: name, line: error.context.lineNumber, column: error.context.columnNumber,
                                             reason: TemplateRenderer.describe(error.error))
        } catch {
            throw ReportError.templateSyntax(name: name, line: 0, column: 0, reason: "\(error)")
        }
    }

    private static func describe(_ error: Error) -> String {
        guard let e = error as? MustacheTemplate.Error else { return "\(error)" }
        switch e {
        case .sectionCloseNameIncorrect: return "closing tag does not match the open section"
        case .unfinishedName: return "unfinished tag (missing '}}')"
        case .expectedSectionEnd: return "section is never closed"
        case .invalidSetDelimiter: return "invalid set-delimiter tag"
        case .transformAppliedToInheritanceSection: return "transform applied to an inheritance section"
        case .illegalTokenInsideInheritSection: return "illegal tag inside an inherit section"
        case .textInsideInheritSection: return "text inside an inherit section"
        case .invalidConfigVariableSyntax: return "invalid pragma syntax"
        case .unrecognisedConfigVariable: return "unknown pragma"
        @unknown default: return "\(e)"
        }
    }
}
