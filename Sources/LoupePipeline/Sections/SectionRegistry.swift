/// Every report section, in the order they appear in a report; config `sections` keys use their names.
public enum SectionRegistry {
    public static let all: [any ReportSection.Type] = [
        SummarySection.self,
    ]

    /// The section type for a config name.
    public static func section(named name: String) -> (any ReportSection.Type)? {
        all.first { $0.name == name }
    }
}
