// Long agent sessions go to the profile's Opus model: after many turns the task is rarely simple any more.
// Runs after route_model, so an explicit routing decision earlier in the pipeline is only overridden upward.
// Threshold: settings.opus_after_messages in the profile (default 60). Routing stays sticky per session (route_model).
if (Profile.OpusAllowed && Request.Messages.Count > Profile.Int("opus_after_messages", 60))
{
    if (Route(Profile.OpusModel, "long-session"))
        Tag("long_session", Request.Messages.Count.ToString());
}
