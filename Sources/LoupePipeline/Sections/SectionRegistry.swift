/// Every report section, in the order they appear in a report; config `sections` keys use their names.
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

    /// A configured section for a job (sections with options read them from the job).
    public static func make(named name: String, for job: JobConfig) -> (any ReportSection)? {
        switch name {
        case GradientsSection.name: return GradientsSection(options: job.gradients)
        case WeightsSection.name: return WeightsSection(options: job.weights)
        case ActivationsSection.name: return ActivationsSection(options: job.activations)
        case SanitySection.name: return SanitySection(options: job.sanity)
        case EmbeddingsSection.name: return EmbeddingsSection(options: job.embeddings)
        case FeaturesSection.name: return FeaturesSection(options: job.features, trainingData: job.trainingData)
        case RobustnessSection.name: return RobustnessSection(options: job.robustness)
        default: break
        }
        return section(named: name)?.init()
    }

    /// The section type for a config name.
    public static func section(named name: String) -> (any ReportSection.Type)? {
        all.first { $0.name == name }
    }
}
