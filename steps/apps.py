from django.apps import AppConfig


class StepsConfig(AppConfig):
    name = "steps"
    verbose_name = "Steps"

    def ready(self) -> None:
        # Load and validate the step content once, at start-up: broken content must stop a deploy,
        # not surprise a person halfway through a step.
        from steps import checks  # noqa: F401  (registers the system checks)
        from steps.content import content

        content()
        from couples.selectors import register_set_aside_rule
        from steps.selectors import is_set_aside

        register_set_aside_rule(is_set_aside)
