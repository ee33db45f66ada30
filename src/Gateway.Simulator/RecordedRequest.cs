namespace Gateway.Simulator;

/// <summary>One request the simulator received, with the status it answered.</summary>
public sealed record RecordedRequest(string Path, IReadOnlyDictionary<string, string> Headers, string Body, int Status);
