import Foundation

/// Turns rendered template text into blocks.
///
/// The markup is deliberately small: blocks are separated by blank lines; `## ` and `### ` start
/// headings; lines starting with `- ` are bullet items; a block starting `> [!NOTE] Title`
/// (or `[!CAVEAT]`, `[!WARNING]`) is a callout whose following `> ` lines are its body.
/// Inline: `<b>`, `<i>`, `<code>`, `<a href="#dest">` / `<a href="https://...">`; the entities
/// `&lt; &gt; &amp; &quot; &#39;` (which Mustache produces when escaping values) decode to characters.
public enum TemplateMarkup {
    /// Blocks of the rendered text `source`.
    public static func blocks(from source: String) -> [Block] {
        var out: [Block] = []
        var chunk: [String] = []
        func flush() {
            if !chunk.isEmpty { out += block(chunk) }
            chunk = []
        }
        for raw in source.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { flush() } else { chunk.append(line) }
        }
        flush()
        return out
    }

    private static func block(_ lines: [String]) -> [Block] {
        guard let first = lines.first else { return [] }
        if first.hasPrefix("### ") { return [.heading(String(first.dropFirst(4)), level: 3)] + block(Array(lines.dropFirst())) }
        if first.hasPrefix("## ") { return [.heading(String(first.dropFirst(3)), level: 2)] + block(Array(lines.dropFirst())) }
        if first.hasPrefix("> [!") {
            let header = first.dropFirst(4)
            let kindName = header.prefix { $0 != "]" }.uppercased()
            let kind: Callout.Kind = kindName == "WARNING" ? .warning : (kindName == "CAVEAT" ? .caveat : .note)
            let title = header.drop { $0 != "]" }.dropFirst().trimmingCharacters(in: .whitespaces)
            let body = lines.dropFirst().map { $0.hasPrefix(">") ? String($0.dropFirst()).trimmingCharacters(in: .whitespaces) : $0 }
            return [.callout(Callout(kind, title: decodeEntities(title), body: runs(body.joined(separator: " "))))]
        }
        if first.hasPrefix("- ") {
            var items: [String] = []
            for line in lines {
                if line.hasPrefix("- ") { items.append(String(line.dropFirst(2))) }
                else if !items.isEmpty { items[items.count - 1] += " " + line }
            }
            return [.bullets(items.map(runs))]
        }
        return [.paragraph(runs(lines.joined(separator: " ")))]
    }

    /// Styled runs of one line of inline markup.
    public static func runs(_ text: String) -> [TextRun] {
        var result: [TextRun] = []
        var bold = 0, italic = 0, mono = 0
        var link: LinkTarget?
        var buffer = ""
        func emit() {
            if !buffer.isEmpty {
                result.append(TextRun(decodeEntities(buffer), bold: bold > 0, italic: italic > 0, monospace: mono > 0, link: link))
            }
            buffer = ""
        }
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "<") {
            buffer += rest[..<open]
            guard let close = rest[open...].firstIndex(of: ">") else { rest = rest[open...]; break }
            let tag = rest[rest.index(after: open)..<close].lowercased()
            let known: Bool
            switch tag {
            case "b", "strong": emit(); bold += 1; known = true
            case "/b", "/strong": emit(); bold = max(0, bold - 1); known = true
            case "i", "em": emit(); italic += 1; known = true
            case "/i", "/em": emit(); italic = max(0, italic - 1); known = true
            case "code": emit(); mono += 1; known = true
            case "/code": emit(); mono = max(0, mono - 1); known = true
            case "/a": emit(); link = nil; known = true
            default:
                if tag.hasPrefix("a href=") {
                    emit()
                    let target = String(rest[rest.index(after: open)..<close].dropFirst(7))
                        .trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
                    let decoded = decodeEntities(target)
                    link = decoded.hasPrefix("#") ? .destination(String(decoded.dropFirst())) : .uri(decoded)
                    known = true
                } else { known = false }
            }
            if !known { buffer += rest[open...close] }
            rest = rest[rest.index(after: close)...]
        }
        buffer += rest
        emit()
        return result
    }

    /// Replaces the five XML entities with their characters.
    public static func decodeEntities(_ s: String) -> String {
        guard s.contains("&") else { return s }
        return s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&#x2F;", with: "/").replacingOccurrences(of: "&amp;", with: "&")
    }
}
