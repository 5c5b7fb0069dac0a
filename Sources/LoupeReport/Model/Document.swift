import Foundation

/// A report: a title page, a table of contents, then sections of blocks.
public struct Document: Sendable {
    /// Report title: title page, running header, PDF title.
    public var title: String
    /// A line under the title on the title page.
    public var subtitle: String
    /// PDF author and title-page byline.
    public var author: String
    /// PDF subject.
    public var subject: String
    /// PDF keywords.
    public var keywords: [String]
    /// Written as the PDF creator "Loupe <version>".
    public var generatorVersion: String
    /// Creation date stamped into the PDF and title page; `Document.creationDate()` honours SOURCE_DATE_EPOCH.
    public var date: Date
    /// Key–value lines printed on the title page under the title.
    public var titlePageFacts: [(String, String)]
    /// Whether a table of contents follows the title page.
    public var includesTableOfContents: Bool
    /// The numbered sections, in order.
    public var sections: [Section]
    /// Lines of a red box on the title page (tripped review gates); no box when empty.
    public var titleAlert: [String] = []
    /// Sections printed between the title page and the contents (e.g. the review's findings); numbered before `sections`.
    public var frontSections: [Section] = []
    /// Said after `DataTable.nonFiniteNote` under every table that holds NaN or ∞: where such values come from.
    public var nonFiniteNote = ""

    /// Creates an empty document.
    public init(title: String, subtitle: String = "", author: String = "", subject: String = "",
                keywords: [String] = [], generatorVersion: String = "0.1.0", date: Date = Document.creationDate(),
                titlePageFacts: [(String, String)] = [], includesTableOfContents: Bool = true,
                sections: [Section] = []) {
        self.title = title; self.subtitle = subtitle; self.author = author; self.subject = subject
        self.keywords = keywords; self.generatorVersion = generatorVersion; self.date = date
        self.titlePageFacts = titlePageFacts; self.includesTableOfContents = includesTableOfContents
        self.sections = sections
    }

    /// Appends a section.
    public mutating func append(_ section: Section) { sections.append(section) }

    /// The date from `SOURCE_DATE_EPOCH` when set (reproducible builds), else now.
    public static func creationDate(environment: [String: String] = ProcessInfo.processInfo.environment) -> Date {
        if let raw = environment["SOURCE_DATE_EPOCH"], let seconds = Double(raw.trimmingCharacters(in: .whitespaces)) {
            return Date(timeIntervalSince1970: seconds)
        }
        return Date()
    }
}

/// A numbered chapter of the report: its title is a level-1 heading followed by the blocks.
public struct Section: Sendable {
    /// The level-1 heading text (numbered automatically).
    public var title: String
    /// The flow of blocks under the heading.
    public var blocks: [Block]
    /// Whether the section starts on a fresh page.
    public var startsOnNewPage: Bool
    /// An extra link destination name for the section heading, so prose can link `<a href="#anchor">`.
    public var anchor: String?

    /// Creates a section.
    public init(title: String, anchor: String? = nil, blocks: [Block] = [], startsOnNewPage: Bool = true) {
        self.title = title; self.anchor = anchor; self.blocks = blocks; self.startsOnNewPage = startsOnNewPage
    }

    /// Appends a block.
    public mutating func append(_ block: Block) { blocks.append(block) }
}

/// One element of a section's flow.
public enum Block: Sendable {
    /// A heading of level 2 or 3 (level 1 is the section title); numbered and listed in the TOC.
    case heading(String, level: Int)
    /// A paragraph of styled runs.
    case paragraph([TextRun])
    /// A bullet list; each item is a list of runs.
    case bullets([[TextRun]])
    /// A two-column table of names and values.
    case keyValue([(String, String)])
    /// A data table with formatting and optional heatmap shading.
    case table(DataTable)
    /// A grid of images with captions and an optional shared colour bar.
    case figure(Figure)
    /// A chart drawn as vector paths.
    case chart(Chart)
    /// A framed box for caveats and warnings.
    case callout(Callout)
    /// Preformatted monospace lines (a config file): kept line by line, long lines wrapped with a hanging indent.
    case code(String)
    /// Forces the next block onto a new page.
    case pageBreak

    /// A paragraph of one plain string.
    public static func text(_ s: String) -> Block { .paragraph([TextRun(s)]) }
}

/// A framed note, caveat or warning.
public struct Callout: Sendable {
    /// The tone of the box (colour and default title).
    public enum Kind: Sendable { case note, caveat, warning }
    /// Tone of the box.
    public var kind: Kind
    /// Bold first line.
    public var title: String
    /// The text of the box.
    public var body: [TextRun]
    /// Creates a callout.
    public init(_ kind: Kind, title: String, body: [TextRun]) { self.kind = kind; self.title = title; self.body = body }
}
