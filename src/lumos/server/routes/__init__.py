"""One APIRouter per resource. ``app.ROUTERS`` lists the modules; each defines ``router``."""
