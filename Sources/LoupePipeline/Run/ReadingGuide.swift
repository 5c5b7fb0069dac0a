import LoupeReport

/// The closing "Reading this report" page: the standing caveats summarised and the references cited.
enum ReadingGuide {
    /// The page, placed after every section and before the appendix; bullets for sections that ran are included.
    static func section(templates: TemplateRenderer, sections: [String]) throws -> Section {
        var values = [String: Any]()
        for name in sections { values[name] = true }
        return Section(title: "Reading this report", anchor: "reading", blocks: try templates.blocks("reading_report", context: values))
    }
}
