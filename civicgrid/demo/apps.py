from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "civicgrid.demo"
    label = "demo"

    def ready(self) -> None:
        from civicgrid.core.demoguard import register_demo
        from civicgrid.demo.login import DEMO_PASSWORD

        register_demo(password=DEMO_PASSWORD, exists="civicgrid.demo.login.demo_exists")
