/// Every report section, in the order they appear in a report; config `sections` keys use their names.
///
/// Adding a section:
/// 1. `Sections/<Name>Section.swift`: a `ReportSection` with `static let name`, `init()`, `init(options:job:)`, `make`.
/// 2. Its options: a `SectionOptions` type (`keys` with their JSON Schema, `read`, defaults in `init()`, `validate`),
///    or `NoSectionOptions`; `job.options(for: <Name>Section.self)` returns them, read from `jobs[i].sections.<name>`.
/// 3. One line below, then `LOUPE_UPDATE_SCHEMA=1 swift test --filter ConfigSchemaTests` to regenerate the schema.
public enum SectionRegistry {
    public static let all: [any ReportSection.Type] = [
        SummarySection.self,
        WeightsSection.self,
        ActivationsSection.self,
        GradientsSection.self,
        SanitySection.self,
        RobustnessSection.self,
        EmbeddingsSection.self,
        FeaturesSection.self,
    ]

    /// A configured section for a job: the section type built with the job's options for it.
    public static func make(named name: String, for job: JobConfig) -> (any ReportSection)? {
        func configured<S: ReportSection>(_ section: S.Type) -> any ReportSection {
            S(options: job.options(for: S.self), job: job)
        }
        return section(named: name).map { configured($0) }
    }

    /// The section type for a config name.
    public static func section(named name: String) -> (any ReportSection.Type)? {
        all.first { $0.name == name }
    }
}
