using System.Text.Json.Serialization;

namespace Kraft.Machines;

/// <summary>The machine.json document: what never changes after create.</summary>
public sealed record MachineRecord(string Name, string Id, MachineSpec Spec);

/// <summary>Source-generated (NativeAOT: no reflection) JSON for machine records, statuses and `kraft ps -o json`.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(MachineRecord))]
[JsonSerializable(typeof(MachineStatus))]
public sealed partial class MachineJson : JsonSerializerContext;
